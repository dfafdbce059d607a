// Public surface of the API schemas: the schema registry, field validation, OpenAPI v3 documents.
export type { GroupVersionKind, SchemaKind, SchemaNode, SchemaRegistry } from './types';
export { getSchemaRegistry, type TypeRegistry } from './registry';
export { checkFields, decodeErrorMessage, strictDecodingMessage, type CheckFieldsOptions, type FieldCheckResult, type TypeError as FieldTypeError } from './field-validation';
export { openapiForPath, openapiGroupVersion, openapiPath, openapiRoot, type OpenAPIDocument } from './openapi';
export { findDuplicateFields } from './duplicate-fields';
