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
)

// refreshEvery coalesces contact refreshes: at most one per interval.
const refreshEvery = 100 * time.Millisecond

// Client is one person's use of Huddle: sign-in, reconnects, and the
// models the main window shows.
type Client struct {
	Contacts  *Contacts
	Calls     *Calls
	Meetings  *Meetings
	Messages  *Messages
	Transfers *Transfers

	// Callbacks to the views; nil ones are skipped.
	OnSignedIn   func(userID string)
	OnSignedOut  func(reason string) // back to the sign-in screen
	OnBanner     func(text string)   // "" hides the banner
	OnNotice     func(text string)   // a sentence about an action that failed
	OnChange     func(Part)
	OnCallIn     func(caller string) // bring the window forward, notify
	OnFileIn     func(from, name string)
	OnMessageIn  func(from, text string)
	RetryDelay   func(attempt int) time.Duration
	SessionTweak func(*session.Config)

	run        func(func())
	sess       SDK
	settings   Settings
	signedIn   bool
	retrying   bool
	attempt    int
	retryTimer *time.Timer
	flushTimer *time.Timer // pending coalesced contacts refresh
	closed     bool
	// signedOutOf is the session the user signed out of, if they did.
	signedOutOf SDK
	now         func() time.Time
}

// New makes a Client; run must execute functions one at a time, in order,
// on the goroutine that owns the Client (fyne.Do).
func New(run func(func())) *Client {
	c := &Client{run: run, now: time.Now, RetryDelay: Backoff}
	c.Contacts = newContacts()
	c.Calls = newCalls(c)
	c.Meetings = newMeetings(c)
	c.Messages = newMessages(c)
	c.Transfers = newTransfers(c)
	return c
}

// Backoff waits 1 s, 2 s, 4 s … up to 30 s between reconnect attempts.
func Backoff(attempt int) time.Duration {
	d := time.Second << min(attempt, 5)
	return min(d, 30*time.Second)
}

// Settings are the details of the last sign-in, with the user ID the
// server assigned if none was given.
func (c *Client) Settings() Settings { return c.settings }

// SignedIn says whether the user is signed in right now.
func (c *Client) SignedIn() bool { return c.signedIn }

// UserID is the signed-in user's ID.
func (c *Client) UserID() string { return c.settings.UserID }

// Reconnecting says whether the app is trying to sign in again after a
// network loss.
func (c *Client) Reconnecting() bool { return c.retrying }

// SignIn connects with these details; LoginSuccess or a failure reason
// follows through OnSignedIn / OnSignedOut.
func (c *Client) SignIn(s Settings) {
	c.stopRetry()
	if c.sess != nil {
		c.sess.Close()
	}
	c.settings = s
	cfg := session.Config{ServerURL: s.ServerURL, ClientName: "huddle-desktop"}
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
	c.login()
}

func (c *Client) login() {
	s := c.settings
	c.sess.Login(s.AppID, s.SecretMD5, s.Nick, s.UserID, s.AuthCode, "signin")
}

// SignOut leaves on the user's request.
func (c *Client) SignOut() {
	c.stopRetry()
	if c.sess != nil {
		c.sess.Close() // signs out; nothing it still had queued reaches us
		c.signedOutOf = c.sess
	}
	c.signedOut("")
}

// GiveUp stops reconnecting and goes back to the sign-in screen.
func (c *Client) GiveUp() {
	if !c.retrying {
		return
	}
	c.stopRetry()
	c.signedOut("Signed out: the server could not be reached.")
}

// Close ends the session for good (the app is quitting): no timer fires
// and no event is handled after it, so nothing redraws a closed window.
func (c *Client) Close() {
	c.closed = true
	c.stopRetry()
	if c.flushTimer != nil {
		c.flushTimer.Stop()
		c.flushTimer = nil
	}
	if c.sess != nil {
		c.sess.Close()
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
	c.signedIn = false
	c.Calls.reset("")
	c.banner("")
	if c.OnSignedOut != nil {
		c.OnSignedOut(reason)
	}
}

func (c *Client) stopRetry() {
	c.retrying, c.attempt = false, 0
	if c.retryTimer != nil {
		c.retryTimer.Stop()
		c.retryTimer = nil
	}
}

func (c *Client) scheduleRetry(why session.ErrCode) {
	c.retrying = true
	d := c.RetryDelay(c.attempt)
	c.attempt++
	c.banner(Describe(why) + " Reconnecting in " + d.Round(time.Second).String() + "…")
	sess := c.sess
	c.retryTimer = time.AfterFunc(d, func() {
		c.run(func() {
			if c.retrying && !c.closed && c.sess == sess {
				c.banner("Reconnecting…")
				c.login()
			}
		})
	})
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
// feed call and transfer events through it by hand.
func (c *Client) Handle(ev session.Event) {
	switch e := ev.(type) {
	case session.LoginSuccess:
		wasRetrying := c.retrying
		c.stopRetry()
		c.signedIn = true
		c.settings.UserID = e.UsrID
		c.Contacts.reset(e.UsrID)
		c.sess.StartUserStatusNotify("presence")
		c.sess.GetUserStatus("contacts")
		c.Meetings.Refresh()
		if wasRetrying {
			c.banner("")
		}
		if c.OnSignedIn != nil && !wasRetrying {
			c.OnSignedIn(e.UsrID)
		}
		c.changed(PartSelf)
	case session.LoginFail:
		if c.retrying && isNetwork(e.Err) {
			c.scheduleRetry(e.Err)
			return
		}
		c.stopRetry()
		c.signedOut(Describe(e.Err))
	case session.LineOff:
		c.signedIn = false
		c.Calls.reset(Describe(e.Err))
		if isNetwork(e.Err) {
			c.scheduleRetry(e.Err)
			return
		}
		c.signedOut(Describe(e.Err))
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
		if c.Calls.handle(ev) || c.Meetings.handle(ev) || c.Messages.handle(ev) {
			return
		}
		c.Transfers.handle(ev)
	}
}
