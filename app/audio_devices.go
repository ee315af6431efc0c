package app

import (
	"huddle/media"
)

// SystemAudio is AudioDevices on the computer's own microphone and
// speaker (miniaudio), the microphone cleaned of the speaker's echo where
// the build can. A missing microphone is not fatal: the user still hears
// the call, and the room shows their microphone closed.
func SystemAudio(input, output string) (media.Source, media.Sink, func(), error) {
	spk, err := media.OpenSpeaker(output)
	if err != nil {
		return nil, nil, nil, err
	}
	mic, err := media.OpenMicrophone(input, spk)
	if err != nil {
		return &media.Tone{}, spk, func() { spk.Close() }, nil
	}
	return mic, spk, func() { mic.Close(); spk.Close() }, nil
}
