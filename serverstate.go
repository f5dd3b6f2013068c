package roster

import "time"

// ServerState is what a directory keeps for its servers besides clients
// and operators: the key that signs tokens and console cookies, and the
// marks that must outlive what they mark (the assertions used, the
// sessions signed out). Moving a directory to another store moves it, so
// that tokens and sessions stay valid there and none that ended comes
// back.
type ServerState struct {
	SigningKey    []byte // nil when no server has used the directory
	Assertions    []UsedAssertion
	EndedSessions []EndedSession
}

// UsedAssertion is the ID (jti) of a client's JWT assertion, kept until
// the assertion expires.
type UsedAssertion struct {
	ClientID, JTI string
	Expires       time.Time
}

// EndedSession is a console session that was signed out, kept until it
// would have expired anyway.
type EndedSession struct {
	ID      string
	Expires time.Time
}
