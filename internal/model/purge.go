package model

// ActionPurge records a purge: everything stored about an address or a
// domain removed at someone's request (dealtrail purge). Its audit rows
// name no one: see store.Purge.
const ActionPurge Action = "purge"

// LinkRemoved is the after-state of a purge's audit row about a deal: the
// deal's activities named there are gone, deleted with everything about
// them. No link is ever in this state; only audit rows say it.
const LinkRemoved LinkState = "removed"
