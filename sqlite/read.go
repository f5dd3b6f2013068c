package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/roster-dev/roster"
)

// Users loads users by ID, with everything that hangs off them.
func (t *Tx) Users(ctx context.Context, ids []int64) (map[int64]*roster.User, error) {
	out := make(map[int64]*roster.User, len(ids))
	err := chunks(ids, func(part []int64) error {
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		query, err := t.userQuery(ctx)
		if err != nil {
			return err
		}
		rows, err := t.tx.QueryContext(ctx, query+` WHERE u.id IN (`+placeholders(len(part))+`)`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			u, err := t.scanUser(rows)
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
// may fill a table that was empty.
func (t *Tx) userQuery(ctx context.Context) (string, error) {
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
	return `SELECT u.id, u.uuid, u.tenant_id, u.firstname, u.lastname, u.display_name, coalesce(u.username, ''),
	coalesce(u.email, ''), coalesce(u.password_hash, ''), u.language, u.mobile_phone_number, u.outgoing_caller_id, u.enabled,
	u.supervision_enabled, u.call_transfer_enabled, u.dtmf_hangup_enabled, u.simultaneous_calls, u.ring_seconds,
	u.call_permission_password, u.role_id, u.auth_type, u.desk_id, u.cti_profile_enabled, u.cti_profile_id, u.avatar_type, u.avatar,
	l.protocol, l.context_id, coalesce(l.exten, ''), coalesce(l.sip_username, ''), l.sip_secret, l.custom_interface, l.provisioning_code,
	v.context_id, v.number, v.name, v.password, v.email, v.attach_audio, v.delete_messages, v.ask_password,
	` + strings.Join(cols, ",\n\t") + `
FROM users u LEFT JOIN lines l ON l.user_id = u.id LEFT JOIN voicemails v ON v.user_id = u.id`, nil
}

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
	query, err := t.userQuery(ctx)
	if err != nil {
		return err
	}
	args := []any{}
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
		u, err := t.scanUser(rows)
		if err != nil {
			return err
		}
		if err := fn(u); err != nil {
			return err
		}
	}
	return rows.Err()
}

// scanUser reads one row of the userQuery.
func (t *Tx) scanUser(rows *sql.Rows) (*roster.User, error) {
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
