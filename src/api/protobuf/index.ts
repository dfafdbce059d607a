// Public surface of protobuf support: decoding application/vnd.kubernetes.protobuf request bodies.
export { decodeProtobufObject, PROTOBUF_MAGIC, ProtobufDecodeError, type DecodedObject } from './decode';
