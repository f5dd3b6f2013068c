package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
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

// exportQuery reads every user with everything that hangs off it in one
// statement, in export order: one pass of the C library, instead of a
// round of queries per few hundred users. Lists come as JSON arrays.
const exportQuery = `SELECT u.id, u.uuid, u.tenant_id, u.firstname, u.lastname, u.display_name, coalesce(u.username, ''),
	coalesce(u.email, ''), coalesce(u.password_hash, ''), u.language, u.mobile_phone_number, u.outgoing_caller_id, u.enabled,
	u.supervision_enabled, u.call_transfer_enabled, u.dtmf_hangup_enabled, u.simultaneous_calls, u.ring_seconds,
	u.call_permission_password, u.role_id, u.auth_type, u.desk_id, u.cti_profile_enabled, u.cti_profile_id, u.avatar_type, u.avatar,
	l.protocol, l.context_id, coalesce(l.exten, ''), coalesce(l.sip_username, ''), l.sip_secret, l.custom_interface, l.provisioning_code,
	v.context_id, v.number, v.name, v.password, v.email, v.attach_audio, v.delete_messages, v.ask_password,
	(SELECT json_group_array(json_array(context_id, exten, ring_seconds)) FROM (SELECT * FROM incalls i WHERE i.user_id = u.id ORDER BY i.id)),
	(SELECT json_group_array(json_array(kind, name)) FROM (SELECT s.kind, s.name FROM members m JOIN sets s ON s.id = m.set_id WHERE m.user_id = u.id ORDER BY lower(s.name))),
	(SELECT json_group_array(object_id) FROM (SELECT uo.object_id FROM user_objects uo JOIN objects o ON o.id = uo.object_id WHERE uo.user_id = u.id ORDER BY lower(o.name))),
	(SELECT json_group_array(tag) FROM (SELECT tag FROM tags t WHERE t.user_id = u.id ORDER BY tag))
FROM users u LEFT JOIN lines l ON l.user_id = u.id LEFT JOIN voicemails v ON v.user_id = u.id`

// Export calls fn for each user in export order, from one snapshot.
func (db *DB) Export(ctx context.Context, tenant string, fn func(*roster.User) error) error {
	// The export's sort may be larger than memory should hold: let it
	// spill to a temporary file (index builds keep theirs in memory).
	if _, err := db.db.ExecContext(ctx, `PRAGMA temp_store = FILE`); err != nil {
		return err
	}
	defer db.db.ExecContext(context.Background(), `PRAGMA temp_store = MEMORY`)
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
	query, args := exportQuery, []any{}
	if tenant != "" {
		id, err := t.tenantOf(tenant)
		if err != nil {
			return err
		}
		query += ` WHERE u.tenant_id = ?`
		args = append(args, id)
	}
	rows, err := stx.QueryContext(ctx, query+` ORDER BY u.tenant_id, u.lastname, u.firstname, u.uuid`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		u, err := t.scanExport(rows)
		if err != nil {
			return err
		}
		if err := fn(u); err != nil {
			return err
		}
	}
	return rows.Err()
}

// scanExport reads one row of exportQuery.
func (t *Tx) scanExport(rows *sql.Rows) (*roster.User, error) {
	u := &roster.User{}
	var tenant int64
	var role, desk, ctiEnabled, cti sql.NullInt64
	var avatarType sql.NullString
	var avatar []byte
	var protocol, exten, sipUser, sipSecret, custom, provisioning sql.NullString
	var lineCtx, vmCtx sql.NullInt64
	var vmNumber, vmName, vmPassword, vmEmail sql.NullString
	var vmAttach, vmDelete, vmAsk sql.NullBool
	var incalls, sets, objects, tags string
	err := rows.Scan(&u.ID, &u.UUID, &tenant, &u.Firstname, &u.Lastname, &u.DisplayName, &u.Username, &u.Email,
		&u.PasswordHash, &u.Language, &u.MobilePhoneNumber, &u.OutgoingCallerID, &u.Enabled, &u.SupervisionEnabled,
		&u.CallTransferEnabled, &u.DTMFHangupEnabled, &u.SimultaneousCalls, &u.RingSeconds, &u.CallPermissionPassword,
		&role, &u.AuthType, &desk, &ctiEnabled, &cti, &avatarType, &avatar,
		&protocol, &lineCtx, &exten, &sipUser, &sipSecret, &custom, &provisioning,
		&vmCtx, &vmNumber, &vmName, &vmPassword, &vmEmail, &vmAttach, &vmDelete, &vmAsk,
		&incalls, &sets, &objects, &tags)
	if err != nil {
		return nil, err
	}
	if u.CallPermissionPassword, err = t.sealer.open(u.CallPermissionPassword); err != nil {
		return nil, err
	}
	u.Tenant, u.Role, u.Desk = t.tenant[tenant], t.object[role.Int64], t.object[desk.Int64]
	if ctiEnabled.Valid {
		u.CTIProfile = &roster.CTIProfile{Enabled: ctiEnabled.Int64 == 1, Name: t.object[cti.Int64]}
	}
	if avatarType.Valid {
		u.Avatar = &roster.Picture{Type: avatarType.String, Data: avatar}
	}
	if protocol.Valid {
		u.Line = &roster.Line{Protocol: protocol.String, Context: t.context[lineCtx.Int64], Exten: exten.String,
			SIPUsername: sipUser.String, CustomInterface: custom.String, ProvisioningCode: provisioning.String}
		if u.Line.SIPSecret, err = t.sealer.open(sipSecret.String); err != nil {
			return nil, err
		}
	}
	if vmNumber.Valid {
		u.Voicemail = &roster.Voicemail{Number: vmNumber.String, Context: t.context[vmCtx.Int64], Name: vmName.String,
			Email: vmEmail.String, AttachAudio: vmAttach.Bool, DeleteMessages: vmDelete.Bool, AskPassword: vmAsk.Bool}
		if u.Voicemail.Password, err = t.sealer.open(vmPassword.String); err != nil {
			return nil, err
		}
	}
	var in [][3]any
	var members [][2]string
	var objs []int64
	for _, j := range []struct {
		text string
		into any
	}{{incalls, &in}, {sets, &members}, {objects, &objs}, {tags, &u.Tags}} {
		if j.text != "[]" {
			if err := json.Unmarshal([]byte(j.text), j.into); err != nil {
				return nil, err
			}
		}
	}
	for _, i := range in {
		c, _ := i[0].(float64)
		inc := roster.Incall{Context: t.context[int64(c)], Exten: fmt.Sprint(i[1])}
		if r, ok := i[2].(float64); ok {
			inc.RingSeconds = strconv.Itoa(int(r))
		}
		u.Incalls = append(u.Incalls, inc)
	}
	for _, m := range members {
		if m[0] == "group" {
			u.Groups = append(u.Groups, m[1])
		} else {
			u.Rooms = append(u.Rooms, m[1])
		}
	}
	for _, id := range objs {
		if t.objectKind[id] == roster.KindSkillGroup {
			u.SkillGroups = append(u.SkillGroups, t.object[id])
		} else {
			u.CallPermissions = append(u.CallPermissions, t.object[id])
		}
	}
	return u, nil
}
