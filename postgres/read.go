package postgres

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/internal/dirrow"
	"github.com/roster-dev/roster/seal"
)

// Users loads users by ID, with everything that hangs off them.
func (t *Tx) Users(ctx context.Context, ids []int64) (map[int64]*roster.User, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.settle(ctx); err != nil {
		return nil, err
	}
	query, err := userQuery(ctx, t.tx, true)
	if err != nil {
		return nil, err
	}
	rows, err := t.tx.Query(ctx, query+` WHERE u.id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[int64]*roster.User, len(ids))
	for rows.Next() {
		sc, err := scanRow(rows)
		if err != nil {
			return nil, err
		}
		u, err := sc.user(t.Index, t.opener())
		if err != nil {
			return nil, err
		}
		out[u.ID] = u
	}
	return out, rows.Err()
}

// opener opens the secrets the transaction reads: a reader that did not
// ask for them leaves them empty, and needs no key.
func (t *Tx) opener() func(string) (string, error) {
	if t.withhold {
		return (&seal.Sealer{Withhold: true}).Open
	}
	return t.db.sealer.Open
}

// UserNames loads what names users: uuid, tenant, names, username and
// email, and their version, for listing them and planning deletions without their lists or
// their sealed secrets.
func (t *Tx) UserNames(ctx context.Context, ids []int64) (map[int64]*roster.User, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.settle(ctx); err != nil {
		return nil, err
	}
	rows, err := t.tx.Query(ctx, `SELECT id, uuid, version, tenant_id, firstname, lastname, display_name,
		coalesce(username, ''), coalesce(email, '') FROM users WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*roster.User, len(ids))
	var u roster.User
	var tenant int64
	_, err = pgx.ForEachRow(rows, []any{&u.ID, &u.UUID, &u.Version, &tenant, &u.Firstname, &u.Lastname, &u.DisplayName, &u.Username, &u.Email}, func() error {
		named := u
		named.Tenant = t.Tenant[tenant]
		out[u.ID] = &named
		return nil
	})
	return out, err
}

// lists are the subqueries that read a user's lists into arrays. Incalls
// come in the order they were made; the other lists are sorted in Go (see
// sortLists): sorting inside each aggregate costs PostgreSQL a sort per
// user, most of a million-user export.
var lists = []struct{ table, cols, nulls, query string }{
	{"incalls", "inc.contexts, inc.extens, inc.rings", "NULL::bigint[], NULL::text[], NULL::int[]", `LEFT JOIN LATERAL (SELECT array_agg(i.context_id ORDER BY i.id) AS contexts,
		array_agg(i.exten ORDER BY i.id) AS extens, array_agg(i.ring_seconds ORDER BY i.id) AS rings
		FROM incalls i WHERE i.user_id = u.id) inc ON true`},
	{"members", "mem.kinds, mem.names", "NULL::text[], NULL::text[]", `LEFT JOIN LATERAL (SELECT array_agg(s.kind) AS kinds, array_agg(s.name) AS names
		FROM members m JOIN sets s ON s.id = m.set_id WHERE m.user_id = u.id) mem ON true`},
	{"user_objects", "obj.ids", "NULL::bigint[]", `LEFT JOIN LATERAL (SELECT array_agg(uo.object_id) AS ids
		FROM user_objects uo WHERE uo.user_id = u.id) obj ON true`},
	{"tags", "tag.tags", "NULL::text[]", `LEFT JOIN LATERAL (SELECT array_agg(tg.tag) AS tags
		FROM tags tg WHERE tg.user_id = u.id) tag ON true`},
}

// userQuery reads users with everything that hangs off them in one
// statement. The lists of a table that holds no row at all are left out
// (NULL): a million lookups of nothing are a good part of an export.
// Without avatars, a user's picture has its type but no bytes (a page of a
// list shows only where it is).
func userQuery(ctx context.Context, q querier, avatars bool) (string, error) {
	var cols, joins []string
	for _, l := range lists {
		var some bool
		if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+l.table+`)`).Scan(&some); err != nil {
			return "", err
		}
		if some {
			cols, joins = append(cols, l.cols), append(joins, l.query)
		} else {
			cols = append(cols, l.nulls)
		}
	}
	avatar := "u.avatar"
	if !avatars {
		avatar = "NULL::bytea"
	}
	return `SELECT u.id, u.uuid, u.version, u.tenant_id, u.firstname, u.lastname, u.display_name, coalesce(u.username, ''),
	coalesce(u.email, ''), coalesce(u.password_hash, ''), u.language, u.mobile_phone_number, u.outgoing_caller_id, u.enabled,
	u.supervision_enabled, u.call_transfer_enabled, u.dtmf_hangup_enabled, u.simultaneous_calls, u.ring_seconds,
	u.call_permission_password, u.role_id, u.auth_type, u.desk_id, u.cti_profile_enabled, u.cti_profile_id, u.avatar_type, ` + avatar + `,
	l.protocol, l.context_id, coalesce(l.exten, ''), coalesce(l.sip_username, ''), l.sip_secret, l.custom_interface, l.provisioning_code,
	v.context_id, v.number, v.name, v.password, v.email, v.attach_audio, v.delete_messages, v.ask_password,
	` + strings.Join(cols, ",\n\t") + `
FROM users u LEFT JOIN lines l ON l.user_id = u.id LEFT JOIN voicemails v ON v.user_id = u.id
` + strings.Join(joins, "\n"), nil
}

// Export calls fn for each user in export order, from one snapshot: a
// read-only repeatable-read transaction, which takes no lock, so that an
// export never waits for a writer nor makes one wait. Without secrets, the
// sealed ones are left empty and the key is not needed.
func (db *DB) Export(ctx context.Context, tenant string, secrets bool, fn func(*roster.User) error) error {
	t, err := db.snapshot(ctx)
	if err != nil {
		return err
	}
	defer t.Rollback()
	tx := t.tx
	// The sort of a million users fits in memory rather than in files.
	if _, err := tx.Exec(ctx, `SET LOCAL work_mem = '256MB'`); err != nil {
		return err
	}
	t.withhold = !secrets
	open := t.opener()
	query, err := userQuery(ctx, tx, true)
	if err != nil {
		return err
	}
	args := []any{}
	if tenant != "" {
		id, err := t.TenantOf(tenant)
		if err != nil {
			return err
		}
		query += ` WHERE u.tenant_id = $1`
		args = append(args, id)
	}
	// Byte order ("C"), as SQLite compares text.
	rows, err := tx.Query(ctx, query+` ORDER BY u.tenant_id, u.lastname COLLATE "C", u.firstname COLLATE "C", u.uuid COLLATE "C"`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	return dirrow.Stream(ctx, rows, scanRow, func(sc *scanned) (*roster.User, error) { return sc.user(t.Index, open) }, fn)
}

// A scanned user is one row of the userQuery as read, before it becomes a
// user: the references are still IDs, the lists unsorted, the secrets sealed.
type scanned struct {
	u                                                               *roster.User
	tenant                                                          int64
	role, desk, cti, lineCtx, vmCtx                                 *int64
	ctiEnabled, vmAttach, vmDelete, vmAsk                           *bool
	avatarType, protocol, sipSecret, custom, provisioning, vmNumber *string
	vmName, vmPassword, vmEmail                                     *string
	exten, sipUser                                                  string
	avatar                                                          []byte
	inContexts                                                      []int64
	inExtens                                                        []string
	inRings                                                         []*int32
	setKinds, setNames                                              []string
	objects                                                         []int64
	simultaneous, ring                                              int32
}

// scanRow reads one row of the userQuery.
func scanRow(rows dirrow.Rows) (*scanned, error) {
	s := &scanned{u: &roster.User{}}
	u := s.u
	err := rows.Scan(&u.ID, &u.UUID, &u.Version, &s.tenant, &u.Firstname, &u.Lastname, &u.DisplayName, &u.Username, &u.Email,
		&u.PasswordHash, &u.Language, &u.MobilePhoneNumber, &u.OutgoingCallerID, &u.Enabled, &u.SupervisionEnabled,
		&u.CallTransferEnabled, &u.DTMFHangupEnabled, &s.simultaneous, &s.ring, &u.CallPermissionPassword,
		&s.role, &u.AuthType, &s.desk, &s.ctiEnabled, &s.cti, &s.avatarType, &s.avatar,
		&s.protocol, &s.lineCtx, &s.exten, &s.sipUser, &s.sipSecret, &s.custom, &s.provisioning,
		&s.vmCtx, &s.vmNumber, &s.vmName, &s.vmPassword, &s.vmEmail, &s.vmAttach, &s.vmDelete, &s.vmAsk,
		&s.inContexts, &s.inExtens, &s.inRings, &s.setKinds, &s.setNames, &s.objects, &u.Tags)
	return s, err
}

// user finishes a scanned user: names for IDs, sorted lists and secrets
// opened by open.
func (s *scanned) user(n *dirrow.Index, open func(string) (string, error)) (*roster.User, error) {
	u := s.u
	var err error
	u.SimultaneousCalls, u.RingSeconds = int(s.simultaneous), int(s.ring)
	if u.CallPermissionPassword, err = open(u.CallPermissionPassword); err != nil {
		return nil, err
	}
	u.Tenant, u.Role, u.Desk = n.Tenant[s.tenant], n.Object[deref(s.role)], n.Object[deref(s.desk)]
	if s.ctiEnabled != nil {
		u.CTIProfile = &roster.CTIProfile{Enabled: *s.ctiEnabled, Name: n.Object[deref(s.cti)]}
	}
	if s.avatarType != nil {
		u.Avatar = &roster.Picture{Type: *s.avatarType, Data: s.avatar}
	}
	if s.protocol != nil {
		u.Line = &roster.Line{Protocol: *s.protocol, Context: n.Context[deref(s.lineCtx)], Exten: s.exten,
			SIPUsername: s.sipUser, CustomInterface: *s.custom, ProvisioningCode: *s.provisioning}
		if u.Line.SIPSecret, err = open(*s.sipSecret); err != nil {
			return nil, err
		}
	}
	if s.vmNumber != nil {
		u.Voicemail = &roster.Voicemail{Number: *s.vmNumber, Context: n.Context[deref(s.vmCtx)], Name: *s.vmName,
			Email: *s.vmEmail, AttachAudio: *s.vmAttach, DeleteMessages: *s.vmDelete, AskPassword: *s.vmAsk}
		if u.Voicemail.Password, err = open(*s.vmPassword); err != nil {
			return nil, err
		}
	}
	for i, c := range s.inContexts {
		in := roster.Incall{Context: n.Context[c], Exten: s.inExtens[i]}
		if s.inRings[i] != nil {
			in.RingSeconds = strconv.Itoa(int(*s.inRings[i]))
		}
		u.Incalls = append(u.Incalls, in)
	}
	sets := make([]int, len(s.setNames))
	for i := range sets {
		sets[i] = i
	}
	slices.SortFunc(sets, func(a, b int) int {
		return cmp.Or(cmp.Compare(asciiLower(s.setNames[a]), asciiLower(s.setNames[b])),
			cmp.Compare(s.setKinds[a], s.setKinds[b]), cmp.Compare(s.setNames[a], s.setNames[b]))
	})
	for _, i := range sets {
		if s.setKinds[i] == "group" {
			u.Groups = append(u.Groups, s.setNames[i])
		} else {
			u.Rooms = append(u.Rooms, s.setNames[i])
		}
	}
	slices.SortFunc(s.objects, func(a, b int64) int {
		return cmp.Or(cmp.Compare(asciiLower(n.Object[a]), asciiLower(n.Object[b])), cmp.Compare(a, b))
	})
	for _, id := range s.objects {
		if n.ObjectKind[id] == roster.KindSkillGroup {
			u.SkillGroups = append(u.SkillGroups, n.Object[id])
		} else {
			u.CallPermissions = append(u.CallPermissions, n.Object[id])
		}
	}
	slices.Sort(u.Tags)
	return u, nil
}

// asciiLower lowers ASCII letters only, as SQLite's lower() and
// PostgreSQL's lower() in the "C" collation do, so that lists sort as the
// SQLite directory sorts them.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
