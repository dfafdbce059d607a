// Public surface of protobuf support: decoding and encoding application/vnd.kubernetes.protobuf bodies.
export { decodeProtobufObject, PROTOBUF_MAGIC, ProtobufDecodeError, type DecodedObject } from './decode';
export { encodeProtobufObject } from './encode';
