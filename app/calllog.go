package app

import "time"

// MaxStoredCalls bounds the call log: older calls are forgotten.
const MaxStoredCalls = 500

// CallOutcome is how a call in the log ended.
type CallOutcome string

const (
	CallAnswered   CallOutcome = "answered"
	CallMissed     CallOutcome = "missed"     // it rang here and nobody answered
	CallDeclined   CallOutcome = "declined"   // we declined it
	CallUnanswered CallOutcome = "unanswered" // we called: declined, no answer, cancelled or failed
)

// CallRecord is one call in the log.
type CallRecord struct {
	Peer     string
	At       time.Time // when it began ringing
	Incoming bool
	Outcome  CallOutcome
	Duration time.Duration // of an answered call
	Note     string        // why it ended, as the user was told
	Seen     bool          // a missed call stays unseen until the log is looked at
}

// CallLog is the account's past calls, newest last; missed calls count as
// unseen until the user looks at the log.
type CallLog struct {
	c       *Client
	records []CallRecord
}

func newCallLog(c *Client) *CallLog { return &CallLog{c: c} }

// Len is the number of calls in the log.
func (l *CallLog) Len() int { return len(l.records) }

// Newest is the i-th call counting from the most recent (0).
func (l *CallLog) Newest(i int) CallRecord { return l.records[len(l.records)-1-i] }

// Unseen counts missed calls the user has not looked at yet.
func (l *CallLog) Unseen() int { return l.unseen("") }

// UnseenFrom counts those from peer.
func (l *CallLog) UnseenFrom(peer string) int { return l.unseen(peer) }

func (l *CallLog) unseen(peer string) int {
	n := 0
	for _, r := range l.records {
		if !r.Seen && (peer == "" || r.Peer == peer) {
			n++
		}
	}
	return n
}

// MarkSeen says the user has looked at the log.
func (l *CallLog) MarkSeen() {
	if l.Unseen() == 0 {
		return
	}
	for i := range l.records {
		l.records[i].Seen = true
	}
	l.c.changed(PartCallLog)
}

func (l *CallLog) add(r CallRecord) {
	r.Seen = r.Outcome != CallMissed
	l.records = append(l.records, r)
	l.trim()
	l.c.changed(PartCallLog)
}

func (l *CallLog) trim() {
	if extra := len(l.records) - MaxStoredCalls; extra > 0 {
		l.records = append([]CallRecord(nil), l.records[extra:]...)
	}
}

// record is the log entry of the call that is ending now.
func (k *Calls) record(reason string) CallRecord {
	r := CallRecord{Peer: k.Peer, At: k.ringingSince, Incoming: k.incoming, Note: reason}
	switch {
	case k.Phase == CallActive:
		r.Outcome, r.Duration = CallAnswered, k.Elapsed()
	case k.Phase == CallIncoming && k.declined:
		r.Outcome = CallDeclined
	case k.Phase == CallIncoming:
		r.Outcome = CallMissed
	default:
		r.Outcome = CallUnanswered
	}
	return r
}
