//go:build !cgo || windows || noopus

package media

// This build has no Opus (see codec_opus.go): G.711 only.
var opusCodec *Codec
