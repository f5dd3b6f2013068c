//go:build !unix

package seal

// noFollow is not a flag of this system: ReadKeyFile checks for a link
// itself, and O_EXCL never creates through one.
const noFollow = 0

// syncDir does nothing: folders cannot be synced here, and a new file's
// name is durable once the file is.
func syncDir(string) error { return nil }
