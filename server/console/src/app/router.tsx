import { createBrowserRouter, Navigate, RouterProvider } from 'react-router';
import { AuditLogPage } from '../pages/audit/AuditLogPage';
import { MembersPage } from '../pages/workspace/MembersPage';
import { JoinPage } from '../pages/JoinPage';
import { SignInPage } from '../pages/SignInPage';
import { TwoStepPage } from '../pages/TwoStepPage';
import { RequireSignIn, Shell } from './Shell';
import { StartPage } from './StartPage';
import { NotFound } from './NotFound';

const router = createBrowserRouter(
  [
    { path: '/sign-in', element: <SignInPage /> },
    { path: '/join', element: <JoinPage /> },
    {
      element: <RequireSignIn />,
      children: [
        {
          element: <Shell />,
          children: [
            { index: true, element: <StartPage /> },
            { path: 'audit', element: <AuditLogPage /> },
            { path: 'workspace/members', element: <MembersPage /> },
            { path: 'two-step', element: <TwoStepPage /> },
            { path: '*', element: <NotFound /> },
          ],
        },
      ],
    },
    { path: '*', element: <Navigate to="/" replace /> },
  ],
  { basename: '/console' },
);

export function ConsoleRouter() {
  return <RouterProvider router={router} />;
}
