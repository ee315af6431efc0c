// Package app is the desktop app's state and logic, without widgets: the
// views draw it and call its methods. Everything here runs on one goroutine
// (Fyne's UI goroutine): session events arrive through the run function the
// Client is made with (fyne.Do in the app), and so do timers.
package app

import (
	"time"

	"huddle/session"
)

// Part names what changed, so a view refreshes only its own widgets.
type Part int

const (
	PartContacts Part = iota
	PartSelf
	PartCalls
	PartMeetings
	PartMessages
	PartTransfers
	PartCallLog
	PartRoom // the meeting the user is in, its members and microphones
)

// refreshEvery coalesces contact refreshes: at most one per interval.
const refreshEvery = 100 * time.Millisecond

// Client is one person's use of Huddle: sign-in, reconnects, and the
// models the main window shows.
type Client struct {
	Contacts  *Contacts
	Calls     *Calls
	Room      *Room
	Meetings  *Meetings
	Messages  *Messages
	Transfers *Transfers
	CallLog   *CallLog
	Voice     *Voice

	// Audio opens the microphone and speaker for calls; nil: calls carry
	// no audio here (tests of other flows). OnVoiceSettings remembers
	// changed devices.
	Audio           AudioDevices
	OnVoiceSettings func(VoiceSettings)
	// Speaker plays the ringtone of incoming calls, on Voice.Output.
	Speaker Speaker
	ring    *ringer

	// HistoryDir is where each account's messages and call log are kept
	// (the app's data folder); "" keeps them in memory only. Set it
	// before signing in.
	HistoryDir string

	// Callbacks to the views; nil ones are skipped.
	OnSignedIn  func(userID string)
	OnSignedOut func(reason string) // back to the sign-in screen
	OnBanner    func(text string)   // "" hides the banner
	OnNotice    func(text string)   // a sentence about an action that failed
	OnChange    func(Part)
	OnCallIn    func(caller string) // bring the window forward, notify
	OnFileIn    func(from, name string)
	// OnFileOffer asks the user about a file someone offers (Transfers'
	// Accept, Decline or AlwaysAccept answer it); OnFileSettings remembers
	// changed file settings.
	OnFileOffer    func(*Transfer)
	OnFileSettings func(FileSettings)
	OnMessageIn    func(from, text string)
	// OnMeetingOpened follows OpenMeeting: the meeting, or nil and a
	// sentence saying it was not found.
	OnMeetingOpened func(meet *session.MeetInfo, notFound string)
	// OnMeetingPassword asks for the password of meeting id: a Join was
	// refused for a wrong or missing one (Room.Join again with it).
	OnMeetingPassword func(id int)
	SessionTweak      func(*session.Config)

	run          func(func())
	sess         SDK
	settings     Settings
	files        FileSettings
	signedIn     bool
	reconnecting bool        // the SDK is signing in again after a drop
	flushTimer   *time.Timer // pending coalesced contacts refresh
	closed       bool
	// signedOutOf is the session the user signed out of, if they did.
	signedOutOf SDK
	now         func() time.Time
	hist        *history
}

// New makes a Client; run must execute functions one at a time, in order,
// on the goroutine that owns the Client (fyne.Do).
func New(run func(func())) *Client {
	c := &Client{run: run, now: time.Now}
	c.Contacts = newContacts()
	c.Calls = newCalls(c)
	c.Room = newRoom(c)
	c.Meetings = newMeetings(c)
	c.Messages = newMessages(c)
	c.Transfers = newTransfers(c)
	c.CallLog = newCallLog(c)
	c.Voice = newVoice(c)
	c.hist = &history{c: c}
	return c
}

// SetClock replaces the clock that call durations and countdowns are read
// from (time.Now); the UI's tests drive the in-call timer with it.
func (c *Client) SetClock(now func() time.Time) { c.now = now }

// Do runs f on the goroutine that owns the Client (the dispatcher given to
// New, fyne.Do in the app), where session events run too: the UI's own
// clocks use it so they take turns with the events.
func (c *Client) Do(f func()) { c.run(f) }

// Settings are the details of the last sign-in, with the user ID the
// server assigned if none was given.
func (c *Client) Settings() Settings { return c.settings }

// SignedIn says whether the user is signed in right now.
func (c *Client) SignedIn() bool { return c.signedIn }

// UserID is the signed-in user's ID.
func (c *Client) UserID() string { return c.settings.UserID }

// Reconnecting says whether the app is signing in again after a network
// loss (the SDK does it, with jittered exponential backoff).
func (c *Client) Reconnecting() bool { return c.reconnecting }

// OwnStatus is the user's own status in words for the status bar and
// tray: "reconnecting…" while the SDK signs in again after a drop (the
// last known status is stale then), "offline" when signed out.
func (c *Client) OwnStatus() string {
	switch {
	case c.reconnecting:
		return "reconnecting…"
	case !c.signedIn:
		return "offline"
	}
	return StatusWord(c.Contacts.Self().UserStatus)
}

// SignIn connects with these details; LoginSuccess or a failure reason
// follows through OnSignedIn / OnSignedOut.
func (c *Client) SignIn(s Settings) {
	c.reconnecting = false
	if c.sess != nil {
		go c.sess.Close() // its events are dropped from now on (see the handler)
	}
	c.settings = s
	// Files arrive into the downloads folder (under partial names until
	// complete), and only once the user accepted them.
	cfg := session.Config{ServerURL: s.ServerURL, ClientName: "huddle-desktop", Reconnect: true,
		TempDir: c.downloads(), AskBeforeReceiving: true}
	if c.SessionTweak != nil {
		c.SessionTweak(&cfg)
	}
	var sess *session.Session
	cfg.Dispatch = c.run
	cfg.Handler = func(ev session.Event) {
		// Events of a replaced or closed session are stale: the dispatcher
		// may still be delivering a batch when Close returns.
		// So are those of a session the user signed out of, which were
		// queued before the sign-out (a LineOff must not start a reconnect).
		if !c.closed && SDK(sess) == c.sess && c.signedOutOf != c.sess {
			c.Handle(ev)
		}
	}
	sess = session.New(cfg)
	c.sess = sess
	sess.Login(s.AppID, s.SecretMD5, s.Nick, s.UserID, s.AuthCode, "signin")
}

// SignOut leaves on the user's request.
func (c *Client) SignOut() {
	c.leave()
	c.signedOut("")
}

// GiveUp stops reconnecting and goes back to the sign-in screen.
func (c *Client) GiveUp() {
	if !c.reconnecting {
		return
	}
	c.leave()
	c.signedOut("Signed out: the server could not be reached.")
}

// leave closes the session; nothing it still had queued reaches us.
// Close waits up to 2 s for the logout to go out: off the UI goroutine.
func (c *Client) leave() {
	c.reconnecting = false
	if c.sess != nil {
		go c.sess.Close()
		c.signedOutOf = c.sess
	}
}

// Close ends the session for good (the app is quitting): no timer fires
// and no event is handled after it, so nothing redraws a closed window.
// Unlike sign-out it waits for the logout to go out (up to 2 s): the
// window is gone already, and the process may end right after.
func (c *Client) Close() {
	c.closed = true
	if c.flushTimer != nil {
		c.flushTimer.Stop()
		c.flushTimer = nil
	}
	c.hist.close()
	c.Voice.hangUp()
	c.syncRinging()
	if c.sess != nil {
		c.sess.Close()
	}
}

// WaitSaved waits, after Close, until the messages and call log are on
// disk. It blocks on the writer: call it off the UI goroutine (main does,
// once the window is gone).
func (c *Client) WaitSaved() {
	if w := c.hist.writer; w != nil {
		<-w.done
	}
}

// SetDND turns do-not-disturb on or off.
func (c *Client) SetDND(on bool) {
	v := 0
	if on {
		v = 1
	}
	c.sess.SetDNDStatus(v, "dnd")
}

func (c *Client) signedOut(reason string) {
	c.signedIn, c.reconnecting = false, false
	c.Calls.reset("")
	c.Room.reset()
	c.Voice.hangUp()
	c.banner("")
	if c.OnSignedOut != nil {
		c.OnSignedOut(reason)
	}
}

func (c *Client) banner(text string) {
	if c.OnBanner != nil {
		c.OnBanner(text)
	}
}

func (c *Client) notice(text string) {
	if c.OnNotice != nil {
		c.OnNotice(text)
	}
}

func (c *Client) changed(p Part) {
	if p == PartMessages || p == PartCallLog {
		c.hist.schedule()
	}
	if p == PartCalls {
		c.syncRinging()
	}
	if c.OnChange != nil {
		c.OnChange(p)
	}
}

// contactsChanged coalesces contact refreshes: the first change schedules
// one refresh; changes until then ride along.
func (c *Client) contactsChanged() {
	if c.flushTimer != nil || c.closed {
		return
	}
	var t *time.Timer
	t = time.AfterFunc(refreshEvery, func() {
		c.run(func() {
			if c.flushTimer != t { // stopped by Close
				return
			}
			c.flushTimer = nil
			c.changed(PartContacts)
			c.changed(PartSelf)
		})
	})
	c.flushTimer = t
}

// Handle applies one session event; it is the session's handler, and tests
// feed call and transfer events through it by hand. The room is read
// again after each: calls, sign-ins and drops move the user in and out of
// meetings too.
func (c *Client) Handle(ev session.Event) {
	c.handle(ev)
	if c.sess != nil && !c.closed {
		c.Room.sync()
		c.Voice.sync()
	}
}

func (c *Client) handle(ev session.Event) {
	switch e := ev.(type) {
	case session.LoginSuccess:
		c.signedIn = true
		c.settings.UserID = e.UsrID
		c.hist.open(c.settings.ServerURL, c.settings.AppID, e.UsrID)
		c.Contacts.reset(e.UsrID)
		c.sess.StartUserStatusNotify("presence")
		c.sess.GetUserStatus("contacts")
		c.Meetings.Refresh()
		if c.OnSignedIn != nil {
			c.OnSignedIn(e.UsrID)
		}
		c.changed(PartSelf)
	case session.LoginFail:
		c.signedOut(Describe(e.Err))
	case session.Reconnecting:
		// The call and meetings are kept: the server holds them for a grace
		// period, so a short drop ends nothing.
		c.signedIn, c.reconnecting = false, true
		c.banner("Connection lost — reconnecting…")
		c.changed(PartSelf)
	case session.Reconnected:
		// Status notification is renewed by the SDK, but changes while the
		// link was down were not sent: the list is fetched again. Calls
		// and meetings are exact after a resume (every push about them was
		// replayed); when the state is lost the server ended the session,
		// so the call is over and the meetings are read again, after the
		// call's own meeting is gone (requests run in order).
		c.signedIn, c.reconnecting = true, false
		c.settings.UserID = e.UsrID
		if e.StateLost {
			c.Calls.lost()
		} else {
			c.Voice.restart()
		}
		c.sess.GetUserStatus("contacts")
		if e.StateLost {
			c.Meetings.Refresh()
		}
		c.banner("")
		c.changed(PartSelf)
	case session.LineOff:
		reason := Describe(e.Err)
		if c.reconnecting { // the SDK gave up
			reason = "Could not reconnect: " + reason
		}
		c.Calls.reset(Describe(e.Err))
		c.signedOut(reason)
	case session.GetUserStatusSuccess:
		c.Contacts.replace(e.Users)
		c.contactsChanged()
	case session.NotifyUserStatus:
		c.Contacts.update(e.Status)
		c.contactsChanged()
	case session.GetUserStatusFail:
		c.notice("Could not load contacts: " + Describe(e.Err))
	case session.StartUserStatusNotifyRslt:
		if e.Err != session.NOERR {
			c.notice("Live presence is unavailable: " + Describe(e.Err))
		}
	case session.SetDNDStatusSuccess:
		c.changed(PartSelf)
	case session.SetDNDStatusFail:
		c.notice("Could not change do-not-disturb: " + Describe(e.Err))
		c.changed(PartSelf)
	default:
		if c.Voice.handle(ev) || c.Room.handle(ev) || c.Calls.handle(ev) || c.Meetings.handle(ev) || c.Messages.handle(ev) {
			return
		}
		c.Transfers.handle(ev)
	}
}
