package session

import "huddle/protocol"

// MeetInfo is CRVideo_MeetInfoObj.
type MeetInfo struct {
	ID          int    // meeting number; 0 = no meeting
	Pswd        string // "" = no password
	Subject     string
	PubMeetUrl  string
	Creator     string
	MemberCount int
	StartTime   int64 // unix seconds
}

// UserStatus is one user's presence.
type UserStatus struct {
	UserID     string
	UserStatus int // protocol.StatusOffline (0), protocol.StatusIdle (1), protocol.StatusBusy (2), protocol.StatusInMeeting (3)
	DNDType    int // 0 = do-not-disturb off; any other value = on, meaning up to the app
	NickName   string
}

func userStatusFrom(u protocol.UserStatus) UserStatus {
	return UserStatus{UserID: u.User, UserStatus: u.Status, DNDType: u.DND, NickName: u.Nick}
}
