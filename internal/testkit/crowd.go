package testkit

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"huddle/server"
	"huddle/server/store"
)

// WithCrowd gives the demo application a big organisation without signing
// in thousands of clients or writing thousands of rows: users
// CrowdUser(0…users-1) and meetings CrowdMeeting(0…meetings-1), one
// started a second after the other (oldest first), held in memory beside
// the real store in the data folder.
func WithCrowd(users, meetings int) Option {
	return func(c *server.Config) {
		base, err := store.OpenSQLite(filepath.Join(c.DataDir, "huddle.db"))
		if err != nil {
			panic(fmt.Sprintf("crowd store: %v", err))
		}
		cs := &crowdStore{Store: base}
		for i := range users {
			cs.users = append(cs.users, store.User{App: server.DemoAppID, ID: CrowdUser(i), Nick: fmt.Sprintf("Crowd member %06d", i)})
		}
		start := time.Now().Add(-time.Duration(meetings) * time.Second)
		for i := range meetings {
			cs.meetings = append(cs.meetings, store.Meeting{App: server.DemoAppID, ID: int64(CrowdMeeting(i)),
				Subject: fmt.Sprintf("Seeded meeting %06d", i), Creator: CrowdUser(i % max(users, 1)), StartTime: start.Add(time.Duration(i) * time.Second)})
		}
		c.Store = cs
	}
}

// CrowdUser is the ID of WithCrowd's user i; they sort in i's order.
func CrowdUser(i int) string { return fmt.Sprintf("member-%06d", i) }

// CrowdMeeting is the ID of WithCrowd's meeting i.
func CrowdMeeting(i int) int { return 200000000 + i }

type crowdStore struct {
	store.Store
	users    []store.User
	meetings []store.Meeting
}

func (s *crowdStore) Users(ctx context.Context, app string) ([]store.User, error) {
	us, err := s.Store.Users(ctx, app)
	if app == server.DemoAppID {
		us = append(us, s.users...)
	}
	return us, err
}

func (s *crowdStore) Meetings(ctx context.Context, app string) ([]store.Meeting, error) {
	ms, err := s.Store.Meetings(ctx, app)
	if app == server.DemoAppID {
		ms = append(ms, s.meetings...)
	}
	return ms, err
}
