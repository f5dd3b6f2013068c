package main

import (
	"regexp"
	"strconv"
	"testing"
)

// TestStartingHashesNoPassword runs a command that serves no page and
// reads the runtime's report of each package's initialisation: the web
// console's stand-in password hash (argon2id, 19 MiB and a tenth of a
// second) is made when a console is built, not when any command starts.
func TestStartingHashesNoPassword(t *testing.T) {
	cmd := command(t, t.TempDir(), "columns")
	cmd.Env = append(cmd.Env, "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	m := regexp.MustCompile(`init github.com/roster-dev/roster/console @[^,]+, [^,]+, (\d+) bytes`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no report of the console's initialisation in:\n%s", out)
	}
	if n, _ := strconv.Atoi(string(m[1])); n > 1<<20 {
		t.Fatalf("the console's initialisation allocates %d bytes: something heavy runs at start", n)
	}
}
