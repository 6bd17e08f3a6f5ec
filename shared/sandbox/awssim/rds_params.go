package awssim

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// RDSParameterGroup is a DB parameter group or DB cluster parameter group:
// the engine defaults of its family overlaid with the values set in
// Parameters (Source "user" in DescribeDBParameters). Every group named
// "default.<family>" exists without being seeded and holds the family's
// engine defaults only; seed other groups before the instances or clusters
// that use them.
type RDSParameterGroup struct {
	// DBParameterGroupName names the group (case-insensitive, stored in lower case).
	DBParameterGroupName string
	// DBParameterGroupFamily is the engine family: postgres16,
	// aurora-postgresql16, mysql8.0, aurora-mysql8.0, mariadb10.11...
	DBParameterGroupFamily string
	Description            string `json:",omitempty"`
	// Parameters are the values set on the group, by parameter name
	// (e.g. "rds.force_ssl": "1", "ssl_min_protocol_version": "TLSv1.2").
	Parameters map[string]string `json:",omitempty"`
}

// rdsParam is one parameter as DescribeDBParameters reports it.
type rdsParam struct {
	name, value, source, applyType, dataType string
	hasValue                                 bool
	static                                   bool
}

// engineOf returns the engine a parameter group family belongs to
// ("aurora-postgresql16" -> "aurora-postgresql") and its version part.
func engineOf(family string) (engine, version string) {
	for _, e := range []string{"aurora-postgresql", "aurora-mysql", "postgres", "mysql", "mariadb", "oracle-ee", "sqlserver-se", "sqlserver-ee"} {
		if v, ok := strings.CutPrefix(family, e); ok && v != "" && (v[0] >= '0' && v[0] <= '9' || e == "oracle-ee" || strings.HasPrefix(e, "sqlserver")) {
			return e, v
		}
	}
	return "", ""
}

// parameterFamily returns the parameter group family of an engine and
// engine version, as AWS names it: the major version for PostgreSQL
// engines, major.minor for MySQL and MariaDB, aurora-mysql8.0 for Aurora
// MySQL 3.
func parameterFamily(engine, version string) string {
	parts := strings.Split(version, ".")
	switch engine {
	case "postgres", "aurora-postgresql":
		return engine + parts[0]
	case "aurora-mysql":
		if strings.Contains(version, "mysql_aurora.2") || strings.HasPrefix(version, "5.7") {
			return "aurora-mysql5.7"
		}
		return "aurora-mysql8.0"
	default:
		if len(parts) >= 2 {
			return engine + parts[0] + "." + parts[1]
		}
		return engine + version
	}
}

// defaultEngineVersion is the version an instance or cluster of engine
// gets when its seed names none.
func defaultEngineVersion(engine string) string {
	switch engine {
	case "mysql":
		return "8.0.39"
	case "mariadb":
		return "10.11.9"
	case "aurora-mysql":
		return "8.0.mysql_aurora.3.07.1"
	}
	return "16.4"
}

func dflt(name, value, dataType, applyType string) rdsParam {
	return rdsParam{name: name, value: value, hasValue: value != "", source: "engine-default", dataType: dataType, applyType: applyType, static: applyType == "static"}
}

// engineDefaults returns a family's engine-default parameters: the ones the
// compliance checks read, with the values RDS ships, and a sample of
// everyday ones so that listings span several pages. cluster selects the
// cluster-level parameters of an Aurora family (where Aurora keeps its TLS
// settings).
func engineDefaults(family string, cluster bool) []rdsParam {
	engine, version := engineOf(family)
	major, _ := strconv.Atoi(strings.Split(version, ".")[0])
	var out []rdsParam
	switch {
	case engine == "postgres" || engine == "aurora-postgresql" && cluster:
		force := "0"
		if engine == "postgres" && major >= 15 {
			force = "1" // RDS for PostgreSQL 15 and later force SSL by default
		}
		out = append(out,
			dflt("rds.force_ssl", force, "boolean", "dynamic"),
			dflt("ssl", "1", "boolean", "dynamic"),
			dflt("ssl_min_protocol_version", "TLSv1.2", "string", "dynamic"),
			dflt("ssl_max_protocol_version", "", "string", "dynamic"),
			dflt("password_encryption", "scram-sha-256", "string", "dynamic"),
			dflt("rds.logical_replication", "0", "boolean", "static"),
			dflt("timezone", "UTC", "string", "dynamic"),
			dflt("log_timezone", "UTC", "string", "dynamic"),
			dflt("log_connections", "", "boolean", "dynamic"),
			dflt("log_disconnections", "", "boolean", "dynamic"),
			dflt("log_statement", "", "string", "dynamic"),
			dflt("log_min_duration_statement", "", "integer", "dynamic"),
			dflt("autovacuum", "1", "boolean", "dynamic"),
			dflt("track_commit_timestamp", "", "boolean", "static"),
		)
		if engine == "aurora-postgresql" {
			break
		}
		fallthrough
	case engine == "aurora-postgresql":
		out = append(out,
			dflt("max_connections", "LEAST({DBInstanceClassMemory/9531392},5000)", "integer", "static"),
			dflt("shared_buffers", "{DBInstanceClassMemory/32768}", "integer", "static"),
			dflt("effective_cache_size", "{DBInstanceClassMemory/16384}", "integer", "dynamic"),
			dflt("maintenance_work_mem", "GREATEST({DBInstanceClassMemory*1024/63963136},65536)", "integer", "dynamic"),
			dflt("work_mem", "", "integer", "dynamic"),
			dflt("random_page_cost", "", "real", "dynamic"),
			dflt("shared_preload_libraries", "pg_stat_statements", "list", "static"),
			dflt("pg_stat_statements.track", "", "string", "dynamic"),
			dflt("statement_timeout", "", "integer", "dynamic"),
			dflt("idle_in_transaction_session_timeout", "86400000", "integer", "dynamic"),
			dflt("checkpoint_timeout", "300", "integer", "dynamic"),
			dflt("max_wal_size", "2048", "integer", "dynamic"),
			dflt("wal_buffers", "", "integer", "static"),
			dflt("default_statistics_target", "", "integer", "dynamic"),
			dflt("max_parallel_workers", "GREATEST(${DBInstanceVCPU/2},8)", "integer", "dynamic"),
			dflt("max_worker_processes", "GREATEST(${DBInstanceVCPU*2},8)", "integer", "static"),
			dflt("log_rotation_age", "60", "integer", "dynamic"),
			dflt("rds.log_retention_period", "4320", "integer", "dynamic"),
			dflt("lc_messages", "", "string", "dynamic"),
			dflt("client_encoding", "", "string", "dynamic"),
		)
	case engine == "mysql" || engine == "mariadb" || engine == "aurora-mysql" && cluster:
		tls := "TLSv1.2,TLSv1.3"
		if version == "5.7" {
			tls = "TLSv1,TLSv1.1,TLSv1.2"
		}
		out = append(out,
			dflt("require_secure_transport", "", "boolean", "dynamic"),
			dflt("tls_version", tls, "list", "static"),
			dflt("time_zone", "", "string", "dynamic"),
			dflt("character_set_server", "", "string", "dynamic"),
			dflt("collation_server", "", "string", "dynamic"),
			dflt("binlog_format", "", "string", "dynamic"),
			dflt("server_audit_logging", "", "boolean", "dynamic"),
		)
		if engine == "aurora-mysql" {
			break
		}
		fallthrough
	case engine == "aurora-mysql":
		out = append(out,
			dflt("max_connections", "{DBInstanceClassMemory/12582880}", "integer", "dynamic"),
			dflt("innodb_buffer_pool_size", "{DBInstanceClassMemory*3/4}", "integer", "static"),
			dflt("innodb_log_file_size", "", "integer", "static"),
			dflt("innodb_flush_log_at_trx_commit", "1", "integer", "dynamic"),
			dflt("long_query_time", "", "float", "dynamic"),
			dflt("slow_query_log", "", "boolean", "dynamic"),
			dflt("general_log", "", "boolean", "dynamic"),
			dflt("log_output", "TABLE", "string", "dynamic"),
			dflt("max_allowed_packet", "", "integer", "dynamic"),
			dflt("wait_timeout", "", "integer", "dynamic"),
			dflt("sql_mode", "", "list", "dynamic"),
			dflt("table_open_cache", "LEAST({DBInstanceClassMemory/1179121},6000)", "integer", "dynamic"),
			dflt("thread_cache_size", "", "integer", "dynamic"),
			dflt("performance_schema", "", "boolean", "static"),
			dflt("innodb_file_per_table", "1", "boolean", "dynamic"),
			dflt("explicit_defaults_for_timestamp", "1", "boolean", "dynamic"),
			dflt("local_infile", "1", "boolean", "dynamic"),
			dflt("log_bin_trust_function_creators", "", "boolean", "dynamic"),
			dflt("max_connect_errors", "", "integer", "dynamic"),
			dflt("read_only", "{TrueIfReplica}", "boolean", "dynamic"),
		)
	}
	return out
}

// groupParams returns a group's parameters (engine defaults with the
// group's values on top), sorted by name.
func groupParams(g *RDSParameterGroup, cluster bool) []rdsParam {
	params := engineDefaults(g.DBParameterGroupFamily, cluster)
	index := map[string]int{}
	for i, prm := range params {
		index[prm.name] = i
	}
	for name, v := range g.Parameters {
		if i, ok := index[name]; ok {
			params[i].value, params[i].hasValue, params[i].source = v, true, "user"
			continue
		}
		params = append(params, rdsParam{name: name, value: v, hasValue: true, source: "user", dataType: "string", applyType: "dynamic"})
	}
	sort.Slice(params, func(i, j int) bool { return params[i].name < params[j].name })
	return params
}

// validateGroup checks a seeded parameter group.
func validateGroup(g RDSParameterGroup) error {
	if strings.HasPrefix(strings.ToLower(g.DBParameterGroupName), "default.") {
		return fmt.Errorf("DBParameterGroupName %q: names beginning with default. are reserved for AWS's default groups, which exist without seeding", g.DBParameterGroupName)
	}
	if err := validIdentifier("DBParameterGroupName", g.DBParameterGroupName); err != nil {
		return fmt.Errorf("group %q: %s", g.DBParameterGroupName, err.Message)
	}
	if e, _ := engineOf(g.DBParameterGroupFamily); e == "" {
		return fmt.Errorf("group %s: DBParameterGroupFamily %q is not an engine family such as postgres16, aurora-postgresql16, mysql8.0 or aurora-mysql8.0", g.DBParameterGroupName, g.DBParameterGroupFamily)
	}
	for name := range g.Parameters {
		if name == "" {
			return fmt.Errorf("group %s: a parameter name is empty", g.DBParameterGroupName)
		}
	}
	return nil
}

// lookupGroup returns a DB (or, with cluster, DB cluster) parameter group by
// name: a seeded one, or a default.<family> group made on demand. The
// caller holds r.mu.
func (r *RDS) lookupGroup(name string, cluster bool) (*RDSParameterGroup, bool) {
	name = strings.ToLower(name)
	groups := r.paramGroups
	if cluster {
		groups = r.clusterParamGroups
	}
	if g, ok := groups[name]; ok {
		return g, true
	}
	if family, ok := strings.CutPrefix(name, "default."); ok {
		return &RDSParameterGroup{DBParameterGroupName: name, DBParameterGroupFamily: family,
			Description: "Default parameter group for " + family}, true
	}
	return nil, false
}

// checkGroupUse reports whether a seeded instance or cluster names parameter
// groups that exist and belong to its engine. The caller holds r.mu.
func (r *RDS) checkGroupUse(what, engine string, names []string, cluster bool) error {
	kind := "DB parameter group"
	if cluster {
		kind = "DB cluster parameter group"
	}
	for _, n := range names {
		g, ok := r.lookupGroup(n, cluster)
		if !ok {
			return fmt.Errorf("%s: %s %s does not exist (seed it in %s, or use default.<family>)", what, kind, n, map[bool]string{false: "ParameterGroups", true: "ClusterParameterGroups"}[cluster])
		}
		if e, _ := engineOf(g.DBParameterGroupFamily); e != "" && e != engine {
			return fmt.Errorf("%s: %s %s is of family %s, not for engine %s", what, kind, n, g.DBParameterGroupFamily, engine)
		}
	}
	return nil
}

type xmlParameter struct {
	ParameterName  string `xml:"ParameterName"`
	ParameterValue string `xml:"ParameterValue,omitempty"`
	Description    string `xml:"Description"`
	Source         string `xml:"Source"`
	ApplyType      string `xml:"ApplyType"`
	DataType       string `xml:"DataType"`
	AllowedValues  string `xml:"AllowedValues,omitempty"`
	IsModifiable   bool   `xml:"IsModifiable"`
	ApplyMethod    string `xml:"ApplyMethod"`
}

func (r *RDS) describeParameters(c *Call, cluster bool) (any, error) {
	param := "DBParameterGroupName"
	if cluster {
		param = "DBClusterParameterGroupName"
	}
	name := c.Param(param)
	if name == "" {
		return nil, NewError(400, "MissingParameter", "The request must contain the parameter %s", param)
	}
	source := c.Param("Source")
	switch source {
	case "", "user", "engine-default", "system":
	default:
		return nil, NewError(400, "InvalidParameterValue", "Invalid value %s for Source. Valid values are user, engine-default and system.", source)
	}
	r.mu.Lock()
	g, ok := r.lookupGroup(name, cluster)
	var params []rdsParam
	if ok {
		params = groupParams(g, cluster)
	}
	r.mu.Unlock()
	if !ok {
		what := "DBParameterGroup"
		if cluster {
			what = "DBClusterParameterGroup"
		}
		return nil, NewError(404, "DBParameterGroupNotFound", "%s not found: %s", what, name)
	}
	var items []rdsParam
	for _, prm := range params {
		if source == "" || prm.source == source {
			items = append(items, prm)
		}
	}
	page, next, err := rdsPage(c, items, func(prm rdsParam) string { return prm.name })
	if err != nil {
		return nil, err
	}
	out := struct {
		Parameters []xmlParameter `xml:"Parameters>Parameter"`
		Marker     string         `xml:"Marker,omitempty"`
	}{Marker: next, Parameters: []xmlParameter{}}
	for _, prm := range page {
		x := xmlParameter{ParameterName: prm.name, Description: prm.name, Source: prm.source, ApplyType: prm.applyType,
			DataType: prm.dataType, IsModifiable: true, ApplyMethod: "pending-reboot"}
		if prm.hasValue {
			x.ParameterValue = prm.value
		}
		if prm.dataType == "boolean" {
			x.AllowedValues = "0,1"
		}
		if !prm.static {
			x.ApplyMethod = "immediate"
		}
		out.Parameters = append(out.Parameters, x)
	}
	return out, nil
}
