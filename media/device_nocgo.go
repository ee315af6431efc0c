//go:build !cgo

package media

import "errors"

// A build without cgo has no miniaudio: no microphone or speaker (bots and
// tests use WAV files and tones).
var errNoDevices = errors.New("this build has no audio devices (built without cgo)")

func ListDevices(bool) ([]string, error) { return nil, errNoDevices }

type Microphone struct{}

func OpenMicrophone(string, *Speaker) (*Microphone, error) { return nil, errNoDevices }
func (*Microphone) ReadFrame([]int16) error                { return errNoDevices }
func (*Microphone) Close() error                           { return nil }

type Speaker struct{}

func OpenSpeaker(string) (*Speaker, error) { return nil, errNoDevices }
func (*Speaker) WriteFrame([]int16) error  { return errNoDevices }
func (*Speaker) Close() error              { return nil }
