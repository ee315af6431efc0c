package views

import (
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"huddle/app"
)

// signIn is the first screen: where and who.
type signIn struct {
	u        *UI
	server   *widget.Entry
	appID    *widget.Entry
	secret   *widget.Entry
	nick     *widget.Entry
	userID   *widget.Entry
	authCode *widget.Entry
	useAuth  *widget.Check
	message  *widget.Label
	button   *widget.Button
	content  fyne.CanvasObject
	saved    app.Settings
	prefill  *Prefill // command-line details, applied at the first show only
}

// Prefill are sign-in details given on the command line; they take the
// place of the remembered ones, and AutoLogin signs in without a click.
type Prefill struct {
	ServerURL, AppID, Secret, Nick, UserID string
	AutoLogin                              bool
}

func newSignIn(u *UI) *signIn {
	s := &signIn{u: u}
	s.server = widget.NewEntry()
	s.appID = widget.NewEntry()
	s.secret = widget.NewPasswordEntry()
	s.nick = widget.NewEntry()
	s.nick.SetPlaceHolder("How others see you")
	s.userID = widget.NewEntry()
	s.userID.SetPlaceHolder("Optional: the server picks one")
	s.authCode = widget.NewPasswordEntry()
	s.authCode.SetPlaceHolder("Token from your organisation")
	s.useAuth = widget.NewCheck("My organisation gave me an auth code", func(on bool) {
		if on {
			s.authCode.Show()
		} else {
			s.authCode.Hide()
		}
	})
	s.message = widget.NewLabel("")
	s.message.Wrapping = fyne.TextWrapWord
	s.message.Importance = widget.DangerImportance
	s.button = widget.NewButtonWithIcon("Sign in", theme.LoginIcon(), s.submit)
	s.button.Importance = widget.HighImportance
	s.nick.OnSubmitted = func(string) { s.submit() }

	form := widget.NewForm(
		widget.NewFormItem("Server", s.server),
		widget.NewFormItem("Application", s.appID),
		widget.NewFormItem("Secret", s.secret),
		widget.NewFormItem("Nickname", s.nick),
		widget.NewFormItem("User ID", s.userID),
	)
	logo := canvas.NewImageFromResource(u.App.Icon())
	logo.FillMode = canvas.ImageFillContain
	logo.SetMinSize(fyne.NewSize(96, 96))
	title := widget.NewLabelWithStyle("Huddle", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	// Wide enough for a full server address and the placeholders.
	width := canvas.NewRectangle(color.Transparent)
	width.SetMinSize(fyne.NewSize(460, 0))
	s.content = container.NewCenter(container.NewVBox(logo, title, width, form, s.useAuth, s.authCode, s.button, s.message))
	return s
}

func (s *signIn) show(reason string) {
	s.saved = app.LoadSettings(s.u.App.Preferences())
	s.server.SetText(s.saved.ServerURL)
	s.appID.SetText(s.saved.AppID)
	// The secret is remembered only as its hash: an empty field keeps it.
	s.secret.SetText("")
	s.secret.SetPlaceHolder("Saved (type to change)")
	s.nick.SetText(s.saved.Nick)
	s.userID.SetText(s.saved.UserID)
	s.authCode.SetText(s.saved.AuthCode)
	s.useAuth.SetChecked(s.saved.AuthCode != "")
	if s.saved.AuthCode == "" {
		s.authCode.Hide()
	}
	s.message.SetText(reason)
	s.button.Enable()
	s.u.Win.SetContent(s.content)
	if p := s.prefill; p != nil {
		s.prefill = nil
		for _, f := range []struct {
			e *widget.Entry
			v string
		}{{s.server, p.ServerURL}, {s.appID, p.AppID}, {s.secret, p.Secret}, {s.nick, p.Nick}, {s.userID, p.UserID}} {
			if f.v != "" {
				f.e.SetText(f.v)
			}
		}
		if p.AutoLogin {
			s.submit()
		}
	}
}

// settings are the form's details, the secret as its MD5.
func (s *signIn) settings() app.Settings {
	st := app.Settings{
		ServerURL: strings.TrimSpace(s.server.Text),
		AppID:     strings.TrimSpace(s.appID.Text),
		SecretMD5: s.saved.SecretMD5,
		Nick:      strings.TrimSpace(s.nick.Text),
		UserID:    strings.TrimSpace(s.userID.Text),
	}
	if s.secret.Text != "" {
		st.SecretMD5 = app.SecretHash(s.secret.Text)
	}
	if s.useAuth.Checked {
		st.AuthCode = strings.TrimSpace(s.authCode.Text)
	}
	return st
}

func (s *signIn) submit() {
	st := s.settings()
	switch {
	case st.ServerURL == "":
		s.message.SetText("Enter the server address.")
		return
	case st.AppID == "":
		s.message.SetText("Enter the application ID.")
		return
	case st.Nick == "":
		s.message.SetText("Enter a nickname so others know who you are.")
		return
	}
	s.message.SetText("Signing in…")
	s.button.Disable()
	s.u.Client.SignIn(st)
}
