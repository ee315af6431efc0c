package server

import (
	"context"
	"errors"

	"huddle/server/store"
)

// Meetings end by themselves, so that no app — crashed, quit mid-call, or
// careless — leaves them behind for good:
//   - a meeting nobody is in (no call rings or runs in it, its room is
//     empty) is destroyed
//     after Limits.MeetingIdleExpiry. Its clock starts when it is created,
//     when its last call ends, and when it is loaded from the store (the
//     store keeps no last use, so a restart starts every clock again);
//   - a meeting made for a call (create_meeting "for_call") ends as soon as
//     its last call does and its room is empty, however that call ended
//     (hung up, dropped, signed out), or after CallTimeout if no call is
//     ever made in it and nobody enters it.
// Nobody is in a meeting that ends this way, so nobody is told.

// created counts the meetings user created in ms; cs.mu held.
func (cs *appCalls) created(ms map[int64]*meeting, user string) int {
	n := 0
	for _, m := range ms {
		if m.Creator == user {
			n++
		}
	}
	return n
}

// idle starts m's clock if nobody is in it; cs.mu held.
func (cs *appCalls) idle(m *meeting) {
	if m.inUse() || cs.stopped || cs.meetings[m.ID] != m {
		return // in use, shutting down, or destroyed
	}
	cs.busy(m)
	wait := cs.srv.cfg.Limits.MeetingIdleExpiry
	if m.forCall {
		wait = cs.srv.cfg.CallTimeout
	}
	var t *timer
	t = cs.srv.timers.afterFunc(wait, func() { cs.expire(m, t) })
	m.idle = t
}

// busy stops m's clock: a call rings in it, or it was destroyed; cs.mu held.
func (cs *appCalls) busy(m *meeting) {
	if m.idle != nil {
		m.idle.Stop()
		m.idle = nil
	}
}

// inUse: a call rings or runs in m, or someone is in its room.
func (m *meeting) inUse() bool { return len(m.legs) > 0 || m.room.size() > 0 }

// vacated runs when a call in m has ended or someone left its room; cs.mu
// held.
func (cs *appCalls) vacated(m *meeting) {
	if m.inUse() {
		return
	}
	if m.forCall {
		if cs.meetings[m.ID] == m {
			delete(cs.meetings, m.ID)
			cs.saveMeeting(m)
		}
		return
	}
	cs.idle(m)
}

// expire destroys m if clock t is still its clock (a call may have come
// and gone since t fired).
func (cs *appCalls) expire(m *meeting, t *timer) {
	cs.mu.Lock()
	ms := cs.meetings
	gone := !cs.stopped && m.idle == t && !m.inUse() && ms[m.ID] == m
	if gone {
		delete(ms, m.ID)
		m.idle = nil
		cs.saveMeeting(m)
	}
	cs.mu.Unlock()
	if !gone || m.forCall {
		return
	}
	// Out of the cache first, under the lock, so no call can join it now.
	err := cs.srv.store.DeleteMeeting(context.Background(), m.App, m.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		cs.srv.log.Error("expire meeting", "app", m.App, "meeting", m.ID, "err", err)
	}
}

// stopClocks stops every meeting's clock for good: the server is shutting
// down (and its store closing).
func (cs *calls) stopClocks() {
	cs.stopped.Store(true)
	cs.apps.Range(func(_, v any) bool {
		ac := v.(*appCalls)
		ac.mu.Lock()
		ac.stopped = true
		for _, m := range ac.meetings {
			ac.busy(m)
		}
		ac.mu.Unlock()
		return true
	})
}
