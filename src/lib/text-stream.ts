/**
 * A byte stream of text pieces, pulled one piece at a time: the next piece is produced only
 * when the consumer (an HTTP response respecting its socket's backpressure) asks for it, so a
 * slow download holds one piece in memory, not the whole document. Cancelling the stream (the
 * client went away) ends the producer; a producer's failure errors the stream, so the client
 * sees a cut-off body rather than a complete-looking one, and `onError` hears of it.
 */
export function textStream(pieces: AsyncGenerator<string>, onError: (e: unknown) => void): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          // Empty pieces carry nothing; ask the producer again instead of enqueueing them.
          for (;;) {
            const { done, value } = await pieces.next();
            if (done) return controller.close();
            if (value.length) return controller.enqueue(encoder.encode(value));
          }
        } catch (e) {
          onError(e);
          controller.error(e);
        }
      },
      async cancel() {
        await pieces.return(undefined);
      },
    },
    // One piece ahead at most.
    { highWaterMark: 1 },
  );
}
