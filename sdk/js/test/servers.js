// Scripted HTTP validators for the client tests: real sockets on 127.0.0.1, free ports.
import { createServer } from "node:http";

/** Starts a server whose answers `handler(req, res, body)` scripts; resolves to its base URL. */
export async function node(handler, t) {
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => handler(req, res, new Uint8Array(Buffer.concat(chunks))));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))));
  return `http://127.0.0.1:${server.address().port}`;
}

/** Answers `body` as JSON with `status`. */
export const json = (res, status, body) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};

/** A base URL nothing listens on (connection refused at once). */
export const DEAD = "http://127.0.0.1:1";
