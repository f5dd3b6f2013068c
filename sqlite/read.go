package sqlite

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/roster-dev/roster"
)

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// loader reads users and everything that hangs off them.
type loader struct {
	q querier
	t *Tx // for its names of reference objects
}

const selectUsers = `SELECT id, uuid, tenant_id, firstname, lastname, display_name, coalesce(username, ''), coalesce(email, ''),
	coalesce(password_hash, ''), language, mobile_phone_number, outgoing_caller_id, enabled, supervision_enabled,
	call_transfer_enabled, dtmf_hangup_enabled, simultaneous_calls, ring_seconds, call_permission_password,
	role_id, auth_type, desk_id, cti_profile_enabled, cti_profile_id, avatar_type, avatar FROM users`

func (l loader) scan(rows *sql.Rows) (*roster.User, error) {
	u := &roster.User{}
	var tenant int64
	var role, desk, ctiEnabled, cti sql.NullInt64
	var avatarType sql.NullString
	var avatar []byte
	err := rows.Scan(&u.ID, &u.UUID, &tenant, &u.Firstname, &u.Lastname, &u.DisplayName, &u.Username, &u.Email,
		&u.PasswordHash, &u.Language, &u.MobilePhoneNumber, &u.OutgoingCallerID, &u.Enabled, &u.SupervisionEnabled,
		&u.CallTransferEnabled, &u.DTMFHangupEnabled, &u.SimultaneousCalls, &u.RingSeconds, &u.CallPermissionPassword,
		&role, &u.AuthType, &desk, &ctiEnabled, &cti, &avatarType, &avatar)
	if err != nil {
		return nil, err
	}
	if u.CallPermissionPassword, err = l.t.sealer.open(u.CallPermissionPassword); err != nil {
		return nil, err
	}
	u.Tenant = l.t.tenant[tenant]
	u.Role = l.t.object[role.Int64]
	u.Desk = l.t.object[desk.Int64]
	if ctiEnabled.Valid {
		u.CTIProfile = &roster.CTIProfile{Enabled: ctiEnabled.Int64 == 1, Name: l.t.object[cti.Int64]}
	}
	if avatarType.Valid {
		u.Avatar = &roster.Picture{Type: avatarType.String, Data: avatar}
	}
	return u, nil
}

// users loads the given users with their resources.
func (l loader) users(ctx context.Context, ids []int64) (map[int64]*roster.User, error) {
	out := make(map[int64]*roster.User, len(ids))
	err := chunks(ids, func(part []int64) error {
		rows, err := l.q.QueryContext(ctx, selectUsers+` WHERE id IN (`+placeholders(len(part))+`)`, int64Args(part)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			u, err := l.scan(rows)
			if err != nil {
				return err
			}
			out[u.ID] = u
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, l.resources(ctx, out)
}

func int64Args(ids []int64) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return args
}

// resources fills in the lines, incalls, voicemails, memberships, objects
// and tags of loaded users.
func (l loader) resources(ctx context.Context, users map[int64]*roster.User) error {
	ids := make([]int64, 0, len(users))
	for id := range users {
		ids = append(ids, id)
	}
	return chunks(ids, func(part []int64) error {
		in := `(` + placeholders(len(part)) + `)`
		args := int64Args(part)
		each := func(query string, scan func(rows *sql.Rows) error) error {
			rows, err := l.q.QueryContext(ctx, query, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				if err := scan(rows); err != nil {
					return err
				}
			}
			return rows.Err()
		}
		err := each(`SELECT user_id, protocol, context_id, coalesce(exten, ''), coalesce(sip_username, ''), sip_secret, custom_interface, provisioning_code FROM lines WHERE user_id IN `+in,
			func(rows *sql.Rows) error {
				var id, ctx int64
				ln := &roster.Line{}
				if err := rows.Scan(&id, &ln.Protocol, &ctx, &ln.Exten, &ln.SIPUsername, &ln.SIPSecret, &ln.CustomInterface, &ln.ProvisioningCode); err != nil {
					return err
				}
				ln.Context = l.t.context[ctx]
				users[id].Line = ln
				var err error
				ln.SIPSecret, err = l.t.sealer.open(ln.SIPSecret)
				return err
			})
		if err != nil {
			return err
		}
		err = each(`SELECT user_id, context_id, exten, ring_seconds FROM incalls WHERE user_id IN `+in+` ORDER BY id`,
			func(rows *sql.Rows) error {
				var id, ctx int64
				var ring sql.NullInt64
				var in roster.Incall
				if err := rows.Scan(&id, &ctx, &in.Exten, &ring); err != nil {
					return err
				}
				in.Context = l.t.context[ctx]
				if ring.Valid {
					in.RingSeconds = strconv.FormatInt(ring.Int64, 10)
				}
				users[id].Incalls = append(users[id].Incalls, in)
				return nil
			})
		if err != nil {
			return err
		}
		err = each(`SELECT user_id, context_id, number, name, password, email, attach_audio, delete_messages, ask_password FROM voicemails WHERE user_id IN `+in,
			func(rows *sql.Rows) error {
				var id, ctx int64
				v := &roster.Voicemail{}
				if err := rows.Scan(&id, &ctx, &v.Number, &v.Name, &v.Password, &v.Email, &v.AttachAudio, &v.DeleteMessages, &v.AskPassword); err != nil {
					return err
				}
				v.Context = l.t.context[ctx]
				users[id].Voicemail = v
				var err error
				v.Password, err = l.t.sealer.open(v.Password)
				return err
			})
		if err != nil {
			return err
		}
		err = each(`SELECT m.user_id, s.kind, s.name FROM members m JOIN sets s ON s.id = m.set_id WHERE m.user_id IN `+in+` ORDER BY lower(s.name)`,
			func(rows *sql.Rows) error {
				var id int64
				var kind, name string
				if err := rows.Scan(&id, &kind, &name); err != nil {
					return err
				}
				if kind == "group" {
					users[id].Groups = append(users[id].Groups, name)
				} else {
					users[id].Rooms = append(users[id].Rooms, name)
				}
				return nil
			})
		if err != nil {
			return err
		}
		err = each(`SELECT uo.user_id, o.kind, o.name FROM user_objects uo JOIN objects o ON o.id = uo.object_id WHERE uo.user_id IN `+in+` ORDER BY lower(o.name)`,
			func(rows *sql.Rows) error {
				var id int64
				var kind, name string
				if err := rows.Scan(&id, &kind, &name); err != nil {
					return err
				}
				if kind == roster.KindSkillGroup {
					users[id].SkillGroups = append(users[id].SkillGroups, name)
				} else {
					users[id].CallPermissions = append(users[id].CallPermissions, name)
				}
				return nil
			})
		if err != nil {
			return err
		}
		return each(`SELECT user_id, tag FROM tags WHERE user_id IN `+in+` ORDER BY tag`,
			func(rows *sql.Rows) error {
				var id int64
				var tag string
				if err := rows.Scan(&id, &tag); err != nil {
					return err
				}
				users[id].Tags = append(users[id].Tags, tag)
				return nil
			})
	})
}

// Users loads users by ID.
func (t *Tx) Users(ctx context.Context, ids []int64) (map[int64]*roster.User, error) {
	return loader{q: t.tx, t: t}.users(ctx, ids)
}

// Export calls fn for each user in export order, from one snapshot.
func (db *DB) Export(ctx context.Context, tenant string, fn func(*roster.User) error) error {
	stx, err := db.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return busy(err)
	}
	defer stx.Rollback()
	t := &Tx{tx: stx, sealer: db.sealer}
	if t.ref, err = loadReference(ctx, stx); err != nil {
		return err
	}
	t.index()
	query, args := selectUsers, []any{}
	if tenant != "" {
		id, err := t.tenantOf(tenant)
		if err != nil {
			return err
		}
		query += ` WHERE tenant_id = ?`
		args = append(args, id)
	}
	rows, err := stx.QueryContext(ctx, query+` ORDER BY tenant_id, lastname, firstname, uuid`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	l := loader{q: stx, t: t}
	batch := make([]*roster.User, 0, 500)
	flush := func() error {
		byID := make(map[int64]*roster.User, len(batch))
		for _, u := range batch {
			byID[u.ID] = u
		}
		if err := l.resources(ctx, byID); err != nil {
			return err
		}
		for _, u := range batch {
			if err := fn(u); err != nil {
				return err
			}
		}
		batch = batch[:0]
		return nil
	}
	for rows.Next() {
		u, err := l.scan(rows)
		if err != nil {
			return err
		}
		if batch = append(batch, u); len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return flush()
}
