package postgres

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roster-dev/roster"
)

// liveClass is the first half of the key of a server's liveness lock
// ("rosl"); the second is the server's key, which the rows of its jobs
// hold.
const liveClass = 0x726f736c

// WatchInterval is how often a server looks for the jobs of servers that
// died; tests shorten it.
var WatchInterval = 2 * time.Second

// server is what makes a handle one of the servers of a directory: a
// connection of its own, holding the session-level advisory lock
// (liveClass, key) for as long as the process lives. PostgreSQL releases
// the lock when that connection ends, whatever ends it (a kill -9 of the
// process, a machine that stops): its jobs' rows then name a server that
// no one holds, and another server marks them interrupted. The import
// that such a job ran was a transaction of the dead server's: PostgreSQL
// rolled it back when its connection ended.
type server struct {
	once sync.Once
	err  error
	key  int32
	conn *pgx.Conn
	stop context.CancelFunc
	done chan struct{}
}

// live makes the handle a server of the directory, once: it takes a free
// liveness key and starts watching the other servers.
func (db *DB) live(ctx context.Context) (int32, error) {
	s := &db.server
	s.once.Do(func() {
		cfg := db.pool.Config().ConnConfig.Copy()
		s.conn, s.err = pgx.ConnectConfig(ctx, cfg)
		if s.err != nil {
			return
		}
		for {
			var b [4]byte
			rand.Read(b[:])
			s.key = int32(binary.BigEndian.Uint32(b[:]) &^ (1 << 31))
			if s.key == 0 {
				continue
			}
			var got bool
			if s.err = s.conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, $2)`, int32(liveClass), s.key).Scan(&got); s.err != nil || got {
				break
			}
		}
		if s.err != nil {
			s.conn.Close(context.WithoutCancel(ctx))
			s.conn = nil
			return
		}
		var wctx context.Context
		wctx, s.stop = context.WithCancel(context.Background())
		s.done = make(chan struct{})
		go db.watch(wctx)
	})
	return s.key, s.err
}

// watch marks, every WatchInterval, the jobs of the servers that died as
// interrupted.
func (db *DB) watch(ctx context.Context) {
	defer close(db.server.done)
	t := time.NewTicker(WatchInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := db.server.conn.Ping(ctx); err != nil && ctx.Err() == nil {
			slog.Error("this server lost the connection that tells the other servers it runs: they take its jobs for interrupted, and its imports cannot commit; restart it", "err", err)
		}
		jobs, err := db.interruptOrphans(ctx, time.Now())
		if err != nil && ctx.Err() == nil {
			slog.Warn("looking for the jobs of servers that died", "err", err)
		}
		for _, j := range jobs {
			slog.Warn("job interrupted by the end of its server", "job", j.ID, "command", j.Command)
		}
	}
}

// stopServing ends the handle's part as a server: its liveness lock goes
// with its connection.
func (db *DB) stopServing() {
	s := &db.server
	if s.conn == nil {
		return
	}
	s.stop()
	<-s.done
	s.conn.Close(context.Background())
}

// stillServing refuses the commit of a server that lost its liveness
// lock: the other servers take it for dead, and may have marked the job
// that this transaction runs interrupted, which it must then not have
// written.
func (db *DB) stillServing(ctx context.Context, tx pgx.Tx) error {
	if db.server.conn == nil {
		return nil
	}
	var held bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = $2
		AND objsubid = 2 AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))`,
		uint32(liveClass), uint32(db.server.key)).Scan(&held)
	if err == nil && !held {
		err = roster.Errorf(roster.ECONFLICT, "this server lost its connection to %s that tells the other servers it runs: they take its jobs for interrupted, so this run was rolled back; restart the server", db.name)
	}
	return err
}

// interruptOrphans marks as interrupted the jobs left queued or running by
// servers that no longer hold their liveness lock, and those of no server
// (moved from another directory), and returns them.
func (db *DB) interruptOrphans(ctx context.Context, now time.Time) ([]*roster.Job, error) {
	return db.queryJobs(ctx, db.pool, `UPDATE jobs SET status = 'interrupted', finished_at = $1, server = NULL, progress = NULL
		WHERE status IN ('queued', 'running') AND (server IS NULL OR server NOT IN (
			SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND classid = $2 AND objsubid = 2 AND granted
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database())))
		RETURNING `+jobColumns, millis(&now), uint32(liveClass))
}

// folderMark is the file in a data folder that names the directory whose
// jobs it holds.
const folderMark = "directory"

// ShareFolder checks that dir is the data folder of the directory's
// servers: the first server to use a folder leaves a mark in it, and the
// directory records the mark; a server that names another folder (its own
// disk rather than the shared one) is refused, since the jobs it took
// would have files that the other servers cannot read.
func (db *DB) ShareFolder(ctx context.Context, dir string) error {
	path := filepath.Join(dir, folderMark)
	read := func() (string, error) {
		b, err := os.ReadFile(path)
		return strings.TrimSpace(string(b)), err
	}
	mark := func() error {
		var b [16]byte
		rand.Read(b[:])
		mark := fmt.Sprintf("%x", b)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) // O_EXCL: never through a link
		if err == nil {
			_, err = f.WriteString(mark + "\n")
			err = errors.Join(err, f.Sync(), f.Close())
		} else if errors.Is(err, os.ErrExist) {
			mark, err = read()
		}
		if err != nil {
			return fmt.Errorf("marking the data folder %s: %w", dir, err)
		}
		_, err = db.pool.Exec(ctx, `INSERT INTO settings (name, value) VALUES ('data_folder', $1) ON CONFLICT DO NOTHING`, mark)
		return err
	}
	want, err := db.setting(ctx, "data_folder")
	if errors.Is(err, pgx.ErrNoRows) {
		if err = mark(); err == nil {
			want, err = db.setting(ctx, "data_folder")
		}
	}
	if err != nil {
		return err
	}
	if got, err := read(); err != nil || got != want {
		return roster.Errorf(roster.EINVALID, "the data folder %s is not the one the other servers of %s use (it lacks the mark they left in theirs): give every server the folder they share with --data-dir", dir, db.name)
	}
	return nil
}

func (db *DB) setting(ctx context.Context, name string) (string, error) {
	var v string
	err := db.pool.QueryRow(ctx, `SELECT value FROM settings WHERE name = $1`, name).Scan(&v)
	return v, err
}
