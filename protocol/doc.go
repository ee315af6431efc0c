// Package protocol holds Huddle's wire format, shared by the server and the
// session SDK: frame envelopes, operation names, payloads, error codes and
// WebSocket close codes. docs/protocol.md describes the same thing for
// people writing another client.
package protocol
