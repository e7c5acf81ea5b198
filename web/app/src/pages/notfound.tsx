import { Empty } from '../components/state';
import { links } from '../router';

export function NotFoundPage() {
  return (
    <section class="page">
      <h1>Page not found</h1>
      <Empty title="There is no page at this address.">
        <a href={links.overview()}>Go to the overview</a>
      </Empty>
    </section>
  );
}
