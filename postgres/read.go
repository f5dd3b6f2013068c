package postgres

import (
	"context"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/roster-dev/roster"
)

// Users loads users by ID, with everything that hangs off them.
func (t *Tx) Users(ctx context.Context, ids []int64) (map[int64]*roster.User, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.settle(ctx); err != nil {
		return nil, err
	}
	query, err := userQuery(ctx, t.tx)
	if err != nil {
		return nil, err
	}
	rows, err := t.tx.Query(ctx, query+` WHERE u.id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	names := t.names()
	out := make(map[int64]*roster.User, len(ids))
	for rows.Next() {
		u, err := scan(rows, names, t.db)
		if err != nil {
			return nil, err
		}
		out[u.ID] = u
	}
	return out, rows.Err()
}

// lists are the subqueries that read a user's lists, each into arrays
// sorted as an export shows them. Names sort by lower(name COLLATE "C")
// (ASCII letters lowered, then bytes), tags by their bytes, as in the
// SQLite directory, so that both export the same file.
var lists = []struct{ table, cols, nulls, query string }{
	{"incalls", "inc.contexts, inc.extens, inc.rings", "NULL::bigint[], NULL::text[], NULL::int[]", `LEFT JOIN LATERAL (SELECT array_agg(i.context_id ORDER BY i.id) AS contexts,
		array_agg(i.exten ORDER BY i.id) AS extens, array_agg(i.ring_seconds ORDER BY i.id) AS rings
		FROM incalls i WHERE i.user_id = u.id) inc ON true`},
	{"members", "mem.kinds, mem.names", "NULL::text[], NULL::text[]", `LEFT JOIN LATERAL (SELECT array_agg(s.kind ORDER BY lower(s.name COLLATE "C"), s.kind, s.name COLLATE "C") AS kinds,
		array_agg(s.name ORDER BY lower(s.name COLLATE "C"), s.kind, s.name COLLATE "C") AS names
		FROM members m JOIN sets s ON s.id = m.set_id WHERE m.user_id = u.id) mem ON true`},
	{"user_objects", "obj.ids", "NULL::bigint[]", `LEFT JOIN LATERAL (SELECT array_agg(uo.object_id ORDER BY lower(o.name COLLATE "C"), o.id) AS ids
		FROM user_objects uo JOIN objects o ON o.id = uo.object_id WHERE uo.user_id = u.id) obj ON true`},
	{"tags", "tag.tags", "NULL::text[]", `LEFT JOIN LATERAL (SELECT array_agg(tg.tag ORDER BY tg.tag COLLATE "C") AS tags
		FROM tags tg WHERE tg.user_id = u.id) tag ON true`},
}

// userQuery reads users with everything that hangs off them in one
// statement. The lists of a table that holds no row at all are left out
// (NULL): a million lookups of nothing are a good part of an export.
func userQuery(ctx context.Context, q querier) (string, error) {
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
	return `SELECT u.id, u.uuid, u.tenant_id, u.firstname, u.lastname, u.display_name, coalesce(u.username, ''),
	coalesce(u.email, ''), coalesce(u.password_hash, ''), u.language, u.mobile_phone_number, u.outgoing_caller_id, u.enabled,
	u.supervision_enabled, u.call_transfer_enabled, u.dtmf_hangup_enabled, u.simultaneous_calls, u.ring_seconds,
	u.call_permission_password, u.role_id, u.auth_type, u.desk_id, u.cti_profile_enabled, u.cti_profile_id, u.avatar_type, u.avatar,
	l.protocol, l.context_id, coalesce(l.exten, ''), coalesce(l.sip_username, ''), l.sip_secret, l.custom_interface, l.provisioning_code,
	v.context_id, v.number, v.name, v.password, v.email, v.attach_audio, v.delete_messages, v.ask_password,
	` + strings.Join(cols, ",\n\t") + `
FROM users u LEFT JOIN lines l ON l.user_id = u.id LEFT JOIN voicemails v ON v.user_id = u.id
` + strings.Join(joins, "\n"), nil
}

// Export calls fn for each user in export order, from one snapshot: a
// read-only repeatable-read transaction, which takes no lock, so that an
// export never waits for a writer nor makes one wait.
func (db *DB) Export(ctx context.Context, tenant string, fn func(*roster.User) error) error {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	t := &Tx{db: db}
	if t.ref, err = loadReference(ctx, tx); err != nil {
		return err
	}
	t.index()
	query, err := userQuery(ctx, tx)
	if err != nil {
		return err
	}
	args := []any{}
	if tenant != "" {
		id, err := t.tenantOf(tenant)
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
	names := t.names()
	for rows.Next() {
		u, err := scan(rows, names, db)
		if err == nil {
			err = fn(u)
		}
		if err != nil {
			return err
		}
	}
	return rows.Err()
}

// names are the names of the reference objects by ID, for scan.
type names struct {
	tenant, context, object, objectKind map[int64]string
}

func (t *Tx) names() *names {
	return &names{tenant: t.tenant, context: t.context, object: t.object, objectKind: t.objectKind}
}

// scan reads one row of the userQuery into a user: names for IDs, lists
// and opened secrets.
func scan(rows pgx.Rows, n *names, db *DB) (*roster.User, error) {
	u := &roster.User{}
	var tenant int64
	var role, desk, cti, lineCtx, vmCtx *int64
	var ctiEnabled, vmAttach, vmDelete, vmAsk *bool
	var avatarType, protocol, sipSecret, custom, provisioning, vmNumber, vmName, vmPassword, vmEmail *string
	var exten, sipUser string
	var avatar []byte
	var inContexts []int64
	var inExtens []string
	var inRings []*int32
	var setKinds, setNames, tags []string
	var objects []int64
	var simultaneous, ring int32
	err := rows.Scan(&u.ID, &u.UUID, &tenant, &u.Firstname, &u.Lastname, &u.DisplayName, &u.Username, &u.Email,
		&u.PasswordHash, &u.Language, &u.MobilePhoneNumber, &u.OutgoingCallerID, &u.Enabled, &u.SupervisionEnabled,
		&u.CallTransferEnabled, &u.DTMFHangupEnabled, &simultaneous, &ring, &u.CallPermissionPassword,
		&role, &u.AuthType, &desk, &ctiEnabled, &cti, &avatarType, &avatar,
		&protocol, &lineCtx, &exten, &sipUser, &sipSecret, &custom, &provisioning,
		&vmCtx, &vmNumber, &vmName, &vmPassword, &vmEmail, &vmAttach, &vmDelete, &vmAsk,
		&inContexts, &inExtens, &inRings, &setKinds, &setNames, &objects, &tags)
	if err != nil {
		return nil, err
	}
	u.SimultaneousCalls, u.RingSeconds = int(simultaneous), int(ring)
	if u.CallPermissionPassword, err = db.unseal(u.CallPermissionPassword); err != nil {
		return nil, err
	}
	u.Tenant, u.Role, u.Desk = n.tenant[tenant], n.object[deref(role)], n.object[deref(desk)]
	if ctiEnabled != nil {
		u.CTIProfile = &roster.CTIProfile{Enabled: *ctiEnabled, Name: n.object[deref(cti)]}
	}
	if avatarType != nil {
		u.Avatar = &roster.Picture{Type: *avatarType, Data: avatar}
	}
	if protocol != nil {
		u.Line = &roster.Line{Protocol: *protocol, Context: n.context[deref(lineCtx)], Exten: exten,
			SIPUsername: sipUser, CustomInterface: *custom, ProvisioningCode: *provisioning}
		if u.Line.SIPSecret, err = db.unseal(*sipSecret); err != nil {
			return nil, err
		}
	}
	if vmNumber != nil {
		u.Voicemail = &roster.Voicemail{Number: *vmNumber, Context: n.context[deref(vmCtx)], Name: *vmName,
			Email: *vmEmail, AttachAudio: *vmAttach, DeleteMessages: *vmDelete, AskPassword: *vmAsk}
		if u.Voicemail.Password, err = db.unseal(*vmPassword); err != nil {
			return nil, err
		}
	}
	for i, c := range inContexts {
		in := roster.Incall{Context: n.context[c], Exten: inExtens[i]}
		if inRings[i] != nil {
			in.RingSeconds = strconv.Itoa(int(*inRings[i]))
		}
		u.Incalls = append(u.Incalls, in)
	}
	for i, kind := range setKinds {
		if kind == "group" {
			u.Groups = append(u.Groups, setNames[i])
		} else {
			u.Rooms = append(u.Rooms, setNames[i])
		}
	}
	for _, id := range objects {
		if n.objectKind[id] == roster.KindSkillGroup {
			u.SkillGroups = append(u.SkillGroups, n.object[id])
		} else {
			u.CallPermissions = append(u.CallPermissions, n.object[id])
		}
	}
	u.Tags = tags
	return u, nil
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
