package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/internal/dirrow"
)

// Users loads users by ID, with everything that hangs off them.
func (t *Tx) Users(ctx context.Context, ids []int64) (map[int64]*roster.User, error) {
	out := make(map[int64]*roster.User, len(ids))
	err := chunks(ids, func(part []int64) error {
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		query, err := t.userQuery(ctx, true)
		if err != nil {
			return err
		}
		rows, err := t.tx.QueryContext(ctx, query+userFrom("")+` WHERE u.id IN (`+placeholders(len(part))+`)`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			s, err := scan(rows)
			if err != nil {
				return err
			}
			u, err := t.user(s)
			if err != nil {
				return err
			}
			out[u.ID] = u
		}
		return rows.Err()
	})
	return out, err
}

// userQuery reads users with everything that hangs off them in one
// statement: for an export, one pass of the C library over the whole
// directory instead of a round of queries per few hundred users. Lists come
// as JSON arrays. The lists of a table that holds no row at all are left
// out, as '[]': asking a million times for nothing costs a fifth of an
// export. The query is built again for each use, since a write transaction
// may fill a table that was empty. Without avatars, a user's picture has
// its type but no bytes (a page of a list shows only where it is). The
// query ends before its FROM clause (userFrom).
func (t *Tx) userQuery(ctx context.Context, avatars bool) (string, error) {
	lists := []struct{ table, query string }{
		{"incalls", `(SELECT json_group_array(json_array(context_id, exten, ring_seconds)) FROM (SELECT * FROM incalls i WHERE i.user_id = u.id ORDER BY i.id))`},
		{"members", `(SELECT json_group_array(json_array(kind, name)) FROM (SELECT s.kind, s.name FROM members m JOIN sets s ON s.id = m.set_id WHERE m.user_id = u.id ORDER BY lower(s.name)))`},
		{"user_objects", `(SELECT json_group_array(object_id) FROM (SELECT uo.object_id FROM user_objects uo JOIN objects o ON o.id = uo.object_id WHERE uo.user_id = u.id ORDER BY lower(o.name)))`},
		{"tags", `(SELECT json_group_array(tag) FROM (SELECT tag FROM tags t WHERE t.user_id = u.id ORDER BY tag))`},
	}
	cols := make([]string, len(lists))
	for i, l := range lists {
		var some bool
		if err := t.tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+l.table+`)`).Scan(&some); err != nil {
			return "", err
		}
		cols[i] = `'[]'`
		if some {
			cols[i] = l.query
		}
	}
	avatar := "u.avatar"
	if !avatars {
		avatar = "NULL"
	}
	return `SELECT u.id, u.uuid, u.version, u.tenant_id, u.firstname, u.lastname, u.display_name, coalesce(u.username, ''),
	coalesce(u.email, ''), coalesce(u.password_hash, ''), u.language, u.mobile_phone_number, u.outgoing_caller_id, u.enabled,
	u.supervision_enabled, u.call_transfer_enabled, u.dtmf_hangup_enabled, u.simultaneous_calls, u.ring_seconds,
	u.call_permission_password, u.role_id, u.auth_type, u.desk_id, u.cti_profile_enabled, u.cti_profile_id, u.avatar_type, ` + avatar + `,
	l.protocol, l.context_id, coalesce(l.exten, ''), coalesce(l.sip_username, ''), l.sip_secret, l.custom_interface, l.provisioning_code,
	v.context_id, v.number, v.name, v.password, v.email, v.attach_audio, v.delete_messages, v.ask_password,
	` + strings.Join(cols, ",\n\t"), nil
}

// userFrom is the FROM clause of the userQuery; users is u, read with the
// index hint given ("" for none).
func userFrom(hint string) string {
	return "\nFROM users u " + hint + " LEFT JOIN lines l ON l.user_id = u.id LEFT JOIN voicemails v ON v.user_id = u.id"
}

// Export calls fn for each user in export order, from one snapshot on a
// reader's connection. Without secrets, the sealed ones are left empty and
// the key is not read. Readers keep SQLite's default temporary store, a
// file, so that the export's sort may be larger than memory should hold
// (the writer keeps its index builds in memory).
func (db *DB) Export(ctx context.Context, tenant string, secrets bool, fn func(*roster.User) error) error {
	t, err := db.snapshot(ctx, db.readSealer(secrets))
	if err != nil {
		return err
	}
	defer t.Rollback()
	query, err := t.userQuery(ctx, true)
	if err != nil {
		return err
	}
	// The table is read in its order and sorted: walking the export-order
	// index instead would read it in name order, page by page out of
	// order, which costs a million-user export more time than the sort.
	query += userFrom("NOT INDEXED")
	args := []any{}
	if tenant != "" {
		id, err := t.TenantOf(tenant)
		if err != nil {
			return err
		}
		query += ` WHERE u.tenant_id = ?`
		args = append(args, id)
	}
	rows, err := t.tx.QueryContext(ctx, query+` ORDER BY u.tenant_id, u.lastname, u.firstname, u.uuid`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	// SQLite steps through the rows on one goroutine while this one turns
	// them into users and fn writes them.
	return dirrow.Stream(ctx, rows, scan, t.user, fn)
}

// A scanned user is one row of the userQuery as read, before it becomes a
// user: the references are still IDs, the lists JSON and the secrets sealed.
type scanned struct {
	u                                                       *roster.User
	tenant                                                  int64
	role, desk, ctiEnabled, cti, lineCtx, vmCtx             sql.NullInt64
	avatarType, protocol, exten, sipUser, sipSecret, custom sql.NullString
	provisioning, vmNumber, vmName, vmPassword, vmEmail     sql.NullString
	vmAttach, vmDelete, vmAsk                               sql.NullBool
	avatar                                                  []byte
	incalls, sets, objects, tags                            string
}

// scan reads one row of the userQuery.
func scan(rows dirrow.Rows) (*scanned, error) {
	s := &scanned{u: &roster.User{}}
	u := s.u
	err := rows.Scan(&u.ID, &u.UUID, &u.Version, &s.tenant, &u.Firstname, &u.Lastname, &u.DisplayName, &u.Username, &u.Email,
		&u.PasswordHash, &u.Language, &u.MobilePhoneNumber, &u.OutgoingCallerID, &u.Enabled, &u.SupervisionEnabled,
		&u.CallTransferEnabled, &u.DTMFHangupEnabled, &u.SimultaneousCalls, &u.RingSeconds, &u.CallPermissionPassword,
		&s.role, &u.AuthType, &s.desk, &s.ctiEnabled, &s.cti, &s.avatarType, &s.avatar,
		&s.protocol, &s.lineCtx, &s.exten, &s.sipUser, &s.sipSecret, &s.custom, &s.provisioning,
		&s.vmCtx, &s.vmNumber, &s.vmName, &s.vmPassword, &s.vmEmail, &s.vmAttach, &s.vmDelete, &s.vmAsk,
		&s.incalls, &s.sets, &s.objects, &s.tags)
	return s, err
}

// user finishes a scanned user: names for IDs, lists and opened secrets.
func (t *Tx) user(s *scanned) (*roster.User, error) {
	u := s.u
	var err error
	if u.CallPermissionPassword, err = t.sealer.Open(u.CallPermissionPassword); err != nil {
		return nil, err
	}
	u.Tenant, u.Role, u.Desk = t.Tenant[s.tenant], t.Object[s.role.Int64], t.Object[s.desk.Int64]
	if s.ctiEnabled.Valid {
		u.CTIProfile = &roster.CTIProfile{Enabled: s.ctiEnabled.Int64 == 1, Name: t.Object[s.cti.Int64]}
	}
	if s.avatarType.Valid {
		u.Avatar = &roster.Picture{Type: s.avatarType.String, Data: s.avatar}
	}
	if s.protocol.Valid {
		u.Line = &roster.Line{Protocol: s.protocol.String, Context: t.Context[s.lineCtx.Int64], Exten: s.exten.String,
			SIPUsername: s.sipUser.String, CustomInterface: s.custom.String, ProvisioningCode: s.provisioning.String}
		if u.Line.SIPSecret, err = t.sealer.Open(s.sipSecret.String); err != nil {
			return nil, err
		}
	}
	if s.vmNumber.Valid {
		u.Voicemail = &roster.Voicemail{Number: s.vmNumber.String, Context: t.Context[s.vmCtx.Int64], Name: s.vmName.String,
			Email: s.vmEmail.String, AttachAudio: s.vmAttach.Bool, DeleteMessages: s.vmDelete.Bool, AskPassword: s.vmAsk.Bool}
		if u.Voicemail.Password, err = t.sealer.Open(s.vmPassword.String); err != nil {
			return nil, err
		}
	}
	var in [][3]any
	var members [][2]string
	var objs []int64
	for _, j := range []struct {
		text string
		into any
	}{{s.incalls, &in}, {s.sets, &members}, {s.objects, &objs}, {s.tags, &u.Tags}} {
		if j.text != "[]" {
			if err := json.Unmarshal([]byte(j.text), j.into); err != nil {
				return nil, err
			}
		}
	}
	for _, i := range in {
		c, _ := i[0].(float64)
		inc := roster.Incall{Context: t.Context[int64(c)], Exten: fmt.Sprint(i[1])}
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
		if t.ObjectKind[id] == roster.KindSkillGroup {
			u.SkillGroups = append(u.SkillGroups, t.Object[id])
		} else {
			u.CallPermissions = append(u.CallPermissions, t.Object[id])
		}
	}
	return u, nil
}
