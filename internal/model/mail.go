package model

import "time"

// FolderState is the sync checkpoint of one mailbox folder.
type FolderState struct {
	UIDValidity uint32
	// LastUID is the highest UID whose message is stored (or rejected).
	LastUID uint32
}

// FetchedMessage is a message read from a folder, parsed, with the IMAP
// facts about it.
type FetchedMessage struct {
	UID          uint32
	InternalDate time.Time
	Size         int64
	Message      Message
}

// RejectedMessage is a message that could not be read at all, with why.
type RejectedMessage struct {
	UID    uint32
	Reason string
}

// MailBatch is a run of consecutive UIDs from one folder. Storing it moves
// the folder checkpoint to (UIDValidity, LastUID) in the same transaction.
type MailBatch struct {
	Mailbox     string
	Folder      string
	UIDValidity uint32
	LastUID     uint32
	Messages    []FetchedMessage
	Rejected    []RejectedMessage
}
