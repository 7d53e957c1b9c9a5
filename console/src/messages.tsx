/** A page's messages: what an action did (a status, announced), and what failed to load (an alert). */
export function Messages({ notice, error }: { notice?: string | undefined; error?: Error | undefined }) {
  return (
    <>
      {notice && (
        <p role="status" class="notice">
          {notice}
        </p>
      )}
      {error && (
        <p role="alert" class="error">
          {error.message}
        </p>
      )}
    </>
  );
}
