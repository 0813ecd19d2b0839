import { Link } from '../router.tsx';
import { PageHeader, useTitle } from '../components/page.tsx';

export function NotFound({ reason = 'missing' }: { reason?: 'missing' | 'forbidden' }) {
  useTitle(reason === 'forbidden' ? 'Administrators only' : 'Page not found');
  return (
    <>
      <PageHeader title={reason === 'forbidden' ? 'Administrators only' : 'Page not found'} />
      <div className="state state-empty">
        <strong>{reason === 'forbidden' ? 'This part of the configuration is for administrators.' : 'There is no page at this address.'}</strong>
        <div className="muted">
          {reason === 'forbidden' ? 'Ask an administrator to change it, or to make you one. Meanwhile, go' : 'Check the link, or go'} to the{' '}
          <Link to="/tickets">ticket list</Link>.
        </div>
      </div>
    </>
  );
}
