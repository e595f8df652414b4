import { Navigate } from 'react-router';
import { useCan } from '../session';
import { firstPageFor } from './navigation';

/** The console's front page: the first page the member may see. */
export function StartPage() {
  const can = useCan();
  return <Navigate to={firstPageFor(can)} replace />;
}
