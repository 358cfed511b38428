import { describe, expect, it } from "vitest";
import { BodyTooLargeError, readBodyWithin } from "../../src/oci/http-bodies.js";

function streamed(...chunks: number[]): Response {
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const size of chunks) controller.enqueue(new Uint8Array(size).fill(7));
      controller.close();
    },
  });
  return new Response(stream);
}

describe("reading a response body within a limit", () => {
  it("returns the whole body when it fits", async () => {
    const body = await readBodyWithin(streamed(10, 20, 30), 60, "blob");
    expect(body.byteLength).toBe(60);
    expect(body.every((byte) => byte === 7)).toBe(true);
  });

  it("refuses a body that grows past the limit, whatever was announced", async () => {
    await expect(readBodyWithin(streamed(40, 40), 60, "blob sha256:abc")).rejects.toThrow(BodyTooLargeError);
    await expect(readBodyWithin(streamed(40, 40), 60, "blob sha256:abc")).rejects.toThrow("blob sha256:abc: the response body exceeds 60 bytes");
  });
});
