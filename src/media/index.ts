// Parley's media library: RTP/RTCP, G.711, jitter buffer, RFC 4733 DTMF, resampling, WAV, PCAP,
// tone detection and RTP port allocation. It knows nothing of calls or SIP.
export * from "./g711.js";
export * from "./rtp-packet.js";
export * from "./rtcp-packet.js";
export * from "./rtp-receive-stats.js";
export * from "./jitter-buffer.js";
export * from "./dtmf.js";
export * from "./pacer.js";
export * from "./resample.js";
export * from "./wav.js";
export * from "./pcap-writer.js";
export * from "./energy.js";
export * from "./tone-detect.js";
export * from "./port-allocator.js";
export * from "./rtp-session.js";
export { FileSink } from "./file-sink.js";
export * from "./udp-socket.js";
