// SIP over TCP.
import { connect, createServer } from "node:net";
import { StreamTransport, type StreamFactory, type StreamTransportOptions } from "./transport-stream.js";
import type { TransportSink } from "./transport.js";

const TCP: StreamFactory = {
  kind: "tcp",
  createServer: (onSocket) => createServer(onSocket),
  connect: (target) => ({ socket: connect({ host: target.address, port: target.port }), readyEvent: "connect" }),
};

/** Listens for SIP over TCP and dials out on demand (connections pooled by remote address). */
export function listenTcp(options: StreamTransportOptions, sink: TransportSink): Promise<StreamTransport> {
  return StreamTransport.listen(TCP, options, sink);
}
