package session

// Placeholders so the desktop app can build while the transparent channel
// is written; replaced by transfer code. DELETE THIS FILE.

func (s *Session) SendCmd(targetUserID string, data []byte, cookie string) (taskID string) {
	s.emit(SendCmdRlst{Err: INNER_ERR, Cookie: cookie})
	return ""
}
func (s *Session) SendBuffer(targetUserID string, data []byte, cookie string) (taskID string) {
	s.emit(SendBufferRlst{Err: INNER_ERR, Cookie: cookie})
	return ""
}
func (s *Session) SendFile(targetUserID, fileName string, cookie string) (taskID string) {
	s.emit(SendFileRlst{FileName: fileName, Err: INNER_ERR, Cookie: cookie})
	return ""
}
func (s *Session) CancelSend(taskID string) {
	s.emit(CancelSendRlst{TaskID: taskID, Err: TRANSID_INVALID})
}
