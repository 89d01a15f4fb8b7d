// A plain <a>, not next/link: a client component used both here and in the layout makes
// Next 14 record either chunk for it, at random, in the pages' client-reference data.
export default function NotFound() {
  return (
    <>
      <h1>Not found</h1>
      <p>
        No such page. <a href="/">Back to the status page</a>.
      </p>
    </>
  );
}
