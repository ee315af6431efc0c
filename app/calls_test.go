package app

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"huddle/protocol"
	"huddle/session"
)

// fakeSDK records what the app asks of the SDK; events are fed by hand
// while the server side of calls and transfers is written elsewhere.
type fakeSDK struct {
	session.Session // unused methods would panic: the app must not call them
	calls           []string
}

func (f *fakeSDK) rec(s string)                          { f.calls = append(f.calls, s) }
func (f *fakeSDK) Login(_, _, _, _, _, _ string)         { f.rec("Login") }
func (f *fakeSDK) Close()                                {}
func (f *fakeSDK) SetDNDStatus(int, string)              { f.rec("SetDND") }
func (f *fakeSDK) GetUserStatus(string)                  { f.rec("GetUserStatus") }
func (f *fakeSDK) StartUserStatusNotify(string)          { f.rec("StartNotify") }
func (f *fakeSDK) CreateMeeting(string, int, string)     { f.rec("CreateMeeting") }
func (f *fakeSDK) CreateCallMeeting(string, int, string) { f.rec("CreateCallMeeting") }
func (f *fakeSDK) DestroyMeeting(id int, _ string)       { f.rec("DestroyMeeting") }
func (f *fakeSDK) GetMeetings(string)                    { f.rec("GetMeetings") }
func (f *fakeSDK) Call(string, session.MeetInfo, string, string) string {
	f.rec("Call")
	return "call-1"
}
func (f *fakeSDK) AcceptCall(string, session.MeetInfo, string, string) { f.rec("AcceptCall") }
func (f *fakeSDK) RejectCall(string, string, string)                   { f.rec("RejectCall") }
func (f *fakeSDK) HungupCall(string, string, string)                   { f.rec("HungupCall") }
func (f *fakeSDK) ClientInvite(string, session.MeetInfo, string) string {
	f.rec("ClientInvite")
	return "inv-1"
}
func (f *fakeSDK) ClientCancelInvite(string, string) { f.rec("ClientCancelInvite") }
func (f *fakeSDK) SendCmd(string, []byte, string) string {
	f.rec("SendCmd")
	return "cmd-1"
}
func (f *fakeSDK) SendFile(string, string, string) string {
	f.rec("SendFile")
	return "task-1"
}
func (f *fakeSDK) CancelSend(string) { f.rec("CancelSend") }
func (f *fakeSDK) AcceptFile(string) { f.rec("AcceptFile") }
func (f *fakeSDK) RejectFile(string) { f.rec("RejectFile") }

func fakeClient() (*Client, *fakeSDK, *time.Time) {
	now := time.Unix(1000, 0)
	// Timer work (coalesced refreshes) is dropped: these tests read the
	// models directly, on their own goroutine, and no timer may touch them.
	c := New(func(func()) {})
	c.now = func() time.Time { return now }
	f := &fakeSDK{}
	c.sess = f
	c.Handle(session.LoginSuccess{UsrID: "alice"})
	c.Handle(session.GetUserStatusSuccess{Users: []session.UserStatus{{UserID: "bob", NickName: "Bob", UserStatus: 1}, {UserID: "carl", UserStatus: 1}}})
	return c, f, &now
}

func TestOutgoingCallAcceptedThenHungUpByPeer(t *testing.T) {
	c, f, now := fakeClient()
	c.Calls.Call("bob")
	assert.Equal(t, CallPreparing, c.Calls.Phase)
	c.Handle(session.CreateMeetingSuccess{Meet: session.MeetInfo{ID: 42}, Cookie: cookieCallMeet})
	assert.Equal(t, CallRinging, c.Calls.Phase)
	assert.Equal(t, "call-1", c.Calls.CallID)
	*now = now.Add(5 * time.Second)
	assert.Equal(t, "0:05", FormatDuration(c.Calls.Elapsed()), "ringing shows elapsed time")

	c.Handle(session.NotifyCallAccepted{CallID: "call-1", Meet: session.MeetInfo{ID: 42}})
	assert.Equal(t, CallActive, c.Calls.Phase)
	assert.Equal(t, []string{"bob"}, c.Calls.Members)
	*now = now.Add(65 * time.Second)
	assert.Equal(t, "1:05", FormatDuration(c.Calls.Elapsed()), "the duration counts from the answer")

	c.Calls.Invite("carl")
	c.Handle(session.ClientInviteRslt{InviteID: "inv-1"})
	assert.Equal(t, "ringing", c.Calls.Invites[0].StatusText())
	c.Handle(session.NotifyInviteStatus{InviteID: "inv-1", Status: protocol.InviteConnected})
	assert.Equal(t, "connected", c.Calls.Invites[0].StatusText())
	assert.Equal(t, []string{"bob", "carl"}, c.Calls.Members)

	c.Handle(session.NotifyCallHungup{CallID: "call-1"})
	assert.Equal(t, CallIdle, c.Calls.Phase)
	assert.Equal(t, "Bob hung up.", c.Calls.LastEnded)
	assert.Contains(t, f.calls, "DestroyMeeting", "the meeting made for the call is removed after it")
}

func TestOutgoingCallOutcomes(t *testing.T) {
	for _, tc := range []struct {
		ev   session.Event
		want string
	}{
		{session.NotifyCallRejected{CallID: "call-1", Err: session.ERR_REFUSE}, "Bob declined the call."},
		{session.NotifyCallRejected{CallID: "call-1", Err: session.ERR_NOANSWER}, "Bob did not answer."},
		{session.CallFail{CallID: "call-1", Err: session.ERR_BUSY}, "Could not call Bob: They are busy or do not want to be disturbed."},
	} {
		c, _, _ := fakeClient()
		c.Calls.CallInto("bob", session.MeetInfo{ID: 7})
		c.Handle(tc.ev)
		assert.Equal(t, CallIdle, c.Calls.Phase)
		assert.Equal(t, tc.want, c.Calls.LastEnded)
	}
}

func TestIncomingCallAcceptRejectMissed(t *testing.T) {
	c, f, now := fakeClient()
	var rang []string
	c.OnCallIn = func(who string) { rang = append(rang, who) }
	c.Handle(session.NotifyCallIn{CallID: "in-1", CallerID: "bob", Meet: session.MeetInfo{ID: 9}})
	assert.Equal(t, CallIncoming, c.Calls.Phase)
	assert.Equal(t, []string{"Bob"}, rang)
	*now = now.Add(12 * time.Second)
	assert.Equal(t, 18*time.Second, c.Calls.RingRemaining(), "countdown to the 30 s timeout")
	c.Calls.Accept()
	c.Handle(session.AcceptCallSuccess{CallID: "in-1"})
	assert.Equal(t, CallActive, c.Calls.Phase)
	c.Calls.HangUp()
	assert.Equal(t, CallIdle, c.Calls.Phase)
	assert.Equal(t, []string{"AcceptCall", "GetMeetings", "HungupCall"}, f.calls[len(f.calls)-3:], "answering refreshes the meetings list")
	assert.NotContains(t, f.calls, "DestroyMeeting", "the caller's meeting is not ours to remove")

	c.Handle(session.NotifyCallIn{CallID: "in-2", CallerID: "bob"})
	c.Calls.Reject()
	assert.Equal(t, "You declined the call from Bob.", c.Calls.LastEnded)

	c.Handle(session.NotifyCallIn{CallID: "in-3", CallerID: "bob"})
	c.Handle(session.NotifyCallHungup{CallID: "in-3"})
	assert.Equal(t, "Missed call from Bob.", c.Calls.LastEnded)
}

func TestDropKeepsCallUntilReconnectGivesUp(t *testing.T) {
	c, _, _ := fakeClient()
	c.Calls.CallInto("bob", session.MeetInfo{ID: 7})
	c.Handle(session.NotifyCallAccepted{CallID: "call-1"})
	c.Handle(session.Reconnecting{Err: session.SOCKETEXCEPTION})
	assert.Equal(t, CallActive, c.Calls.Phase, "the server holds the call through a short drop")
	assert.True(t, c.Reconnecting())
	c.Handle(session.LineOff{Err: session.CREATE_CONN_FAILED})
	assert.Equal(t, CallIdle, c.Calls.Phase)
	assert.Equal(t, "The call ended: Could not reach the server; check the address and your network.", c.Calls.LastEnded)
	assert.False(t, c.Reconnecting())
}

func TestTransferProgressSpeedAndRemaining(t *testing.T) {
	c, _, now := fakeClient()
	c.Transfers.SendFile("bob", "/nonexistent/report.pdf")
	tr := c.Transfers.List[0]
	assert.Equal(t, "report.pdf", tr.Name)
	*now = now.Add(time.Second)
	c.Handle(session.SendProgress{TaskID: "task-1", SendedLen: 1 << 20, TotalLen: 4 << 20})
	assert.InDelta(t, 0.25, tr.Progress(), 1e-9)
	assert.InDelta(t, float64(1<<20), tr.Speed(), 1)
	assert.Equal(t, 3*time.Second, tr.Remaining())
	assert.Equal(t, "1.0 MiB/s, 0:03 left", tr.StateText())
	c.Handle(session.SendFileRlst{TaskID: "task-1"})
	assert.Equal(t, TransferDone, tr.State)
	assert.Equal(t, 1.0, tr.Progress())

	// (Received files: offer_e2e_test.go, where they are really moved.)
}

// A transfer that has barely moved says so; its time left never overflows
// into a negative number.
func TestStalledTransferShowsNoNegativeTime(t *testing.T) {
	c, _, now := fakeClient()
	c.Transfers.SendFile("bob", "/nonexistent/huge.iso")
	tr := c.Transfers.List[0]
	*now = now.Add(time.Hour)
	c.Handle(session.SendProgress{TaskID: "task-1", SendedLen: 1, TotalLen: 1 << 50})
	assert.Positive(t, tr.Remaining())
	assert.Equal(t, "0 B/s, stalled", tr.StateText())
}

func TestMessagesPerContact(t *testing.T) {
	c, _, _ := fakeClient()
	c.Messages.Send("bob", "hi")
	c.Handle(session.NotifyCmdData{SourceUserID: "bob", Data: []byte("hello")})
	c.Handle(session.NotifyCmdData{SourceUserID: "carl", Data: []byte("yo")})
	assert.Len(t, c.Messages.With("bob"), 2)
	assert.Equal(t, 1, c.Messages.Unread("carl"))
	c.Messages.Open("carl")
	assert.Equal(t, 0, c.Messages.Unread("carl"))
	c.Handle(session.SendCmdRlst{TaskID: "cmd-1", Err: session.SENDDATA_TARGETINVALID})
	assert.Equal(t, session.SENDDATA_TARGETINVALID, c.Messages.With("bob")[0].Err)
}

func TestEveryErrorCodeHasASentence(t *testing.T) {
	for code := range errText {
		assert.NotContains(t, Describe(code), "Unexpected", code.String())
	}
	assert.Equal(t, "Unexpected error (ERR_999).", Describe(999))
}
