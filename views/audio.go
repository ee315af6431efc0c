package views

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"huddle/media"
)

// systemDefault is how the device pickers show "" (the system's choice).
const systemDefault = "System default"

// chooseAudio lets the user pick the microphone and speaker for calls;
// the choice is remembered (Client.OnVoiceSettings) and a running call
// switches to it.
func (v *roomView) chooseAudio() {
	mics, err1 := media.ListDevices(true)
	spks, err2 := media.ListDevices(false)
	if err := errors.Join(err1, err2); err != nil {
		v.u.notice("No audio devices: " + err.Error())
		return
	}
	voice := v.u.Client.Voice
	mic := deviceSelect(mics, voice.Input)
	spk := deviceSelect(spks, voice.Output)
	echo := widget.NewLabel(echoAdvice())
	echo.Wrapping = fyne.TextWrapWord
	dialog.ShowForm("Audio devices", "Use", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("Microphone", mic), widget.NewFormItem("Speaker", spk), widget.NewFormItem("Echo", echo)},
		func(ok bool) {
			if ok {
				voice.SetDevices(deviceName(mic.Selected), deviceName(spk.Selected))
			}
		}, v.u.Win)
}

// echoAdvice tells the user whether loudspeakers are fine: with no echo
// canceller in the build, the others would hear themselves.
func echoAdvice() string {
	if media.EchoCancellation {
		return "Cancelled: loudspeakers are fine."
	}
	return "This build cannot cancel echo: use a headset, or the others hear themselves."
}

func deviceSelect(names []string, current string) *widget.Select {
	s := widget.NewSelect(append([]string{systemDefault}, names...), nil)
	s.SetSelected(systemDefault)
	if current != "" {
		s.SetSelected(current)
	}
	return s
}

func deviceName(choice string) string {
	if choice == systemDefault {
		return ""
	}
	return choice
}
