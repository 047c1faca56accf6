// Parley's browser SDK: `new ParleyWebClient({ baseUrl }).startCall({ accessToken })`.
export { ParleyWebClient } from "./parley-web-client.js";
export type {
  CallEndedEvent,
  MetadataEvent,
  ParleyWebClientEvents,
  ParleyWebClientOptions,
  StartCallConfig,
  TranscriptUtterance,
  UpdateEvent,
} from "./parley-web-client.js";
