package model

// Audit actions of the activities people add by hand (notes and call
// logs): the decision row records who added it to which deal.
const (
	// ActionNote records a note added to a deal.
	ActionNote Action = "note"
	// ActionCall records a call logged on a deal.
	ActionCall Action = "call"
)
