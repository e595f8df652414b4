import type { ComponentType } from 'react';
import { createBrowserRouter, Navigate, RouterProvider } from 'react-router';
import { JoinPage } from '../pages/JoinPage';
import { SignInPage } from '../pages/SignInPage';
import { Loading } from '../ui/states';
import { NotFound } from './NotFound';
import { RequireSignIn, Shell } from './Shell';
import { StartPage } from './StartPage';

/** A page loaded when first opened: sign-in stays small, and the segment rules' schema (zod) loads with the audience pages only. */
function page(load: () => Promise<ComponentType>) {
  return { lazy: async () => ({ Component: await load() }) };
}

const router = createBrowserRouter(
  [
    { path: '/sign-in', element: <SignInPage /> },
    { path: '/join', element: <JoinPage /> },
    {
      element: <RequireSignIn />,
      hydrateFallbackElement: <Loading what="the console" />,
      children: [
        {
          element: <Shell />,
          children: [
            { index: true, element: <StartPage /> },
            { path: 'workspace/members', ...page(async () => (await import('../pages/workspace/MembersPage')).MembersPage) },
            { path: 'workspace/api-keys', ...page(async () => (await import('../pages/workspace/credential-pages')).ApiKeysPage) },
            { path: 'workspace/write-keys', ...page(async () => (await import('../pages/workspace/credential-pages')).WriteKeysPage) },
            { path: 'workspace/settings', ...page(async () => (await import('../pages/workspace/SettingsPage')).SettingsPage) },
            { path: 'audience/customers', ...page(async () => (await import('../pages/audience/CustomersPage')).CustomersPage) },
            { path: 'audience/customers/:id', ...page(async () => (await import('../pages/audience/CustomerPage')).CustomerPage) },
            { path: 'audience/segments', ...page(async () => (await import('../pages/audience/SegmentsPage')).SegmentsPage) },
            { path: 'audience/privacy-requests', ...page(async () => (await import('../pages/audience/PrivacyRequestsPage')).PrivacyRequestsPage) },
            { path: 'attribution', ...page(async () => (await import('../pages/attribution/AttributionPage')).AttributionPage) },
            { path: 'experiments', ...page(async () => (await import('../pages/experiments/ExperimentsPage')).ExperimentsPage) },
            { path: 'budget', ...page(async () => (await import('../pages/budget/BudgetPage')).BudgetPage) },
            { path: 'attribution/settings', ...page(async () => (await import('../pages/attribution/AttributionSettingsPage')).AttributionSettingsPage) },
            { path: 'attribution/holdouts', ...page(async () => (await import('../pages/attribution/HoldoutsPage')).HoldoutsPage) },
            { path: 'attribution/links', ...page(async () => (await import('../pages/attribution/TrackingLinksPage')).TrackingLinksPage) },
            { path: 'connectors', ...page(async () => (await import('../pages/connectors/ConnectorsPage')).ConnectorsPage) },
            { path: 'renders', ...page(async () => (await import('../pages/renders/RendersPage')).RendersPage) },
            { path: 'audit', ...page(async () => (await import('../pages/audit/AuditLogPage')).AuditLogPage) },
            { path: 'security/sso', ...page(async () => (await import('../pages/workspace/SsoPage')).SsoPage) },
            { path: 'security/scim-tokens', ...page(async () => (await import('../pages/workspace/credential-pages')).ScimTokensPage) },
            { path: 'two-step', ...page(async () => (await import('../pages/TwoStepPage')).TwoStepPage) },
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
