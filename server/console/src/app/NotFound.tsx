import { Link } from 'react-router';

export function NotFound() {
  return (
    <div className="state">
      <h1>No such page</h1>
      <Link to="/">Back to the console</Link>
    </div>
  );
}
