# SPDX-License-Identifier: GPL-2.0-or-later
# Debian's real CrowdSec LAPI (the fake one is lapi_lib.sh): the config that
# test_crowdsec_lapi.sh, test_crowdsec_fleet.sh and bench/bench_crowdsec.sh
# each start `crowdsec -no-cs` and cscli with.

# crowdsec_config DIR LISTEN LOG_LEVEL USE_WAL: DIR/config.yaml for the LAPI
# alone (`crowdsec -c DIR/config.yaml -no-cs`) and cscli. Its database,
# credentials and notifications live under DIR (DIR/data is made here); it
# listens on LISTEN (address:port) and trusts loopback; LOG_LEVEL is its log's,
# the database's and the server's; USE_WAL (true or false) is sqlite's
# write-ahead log. The hub, profiles and simulation are the package's.
crowdsec_config() {
	local dir=$1 listen=$2 level=$3 wal=$4

	mkdir -p "$dir/data"
	cat >"$dir/config.yaml" <<-CONF
		common: {daemonize: false, log_media: stdout, log_level: $level, working_dir: .}
		config_paths:
		  config_dir: $dir/
		  data_dir: $dir/data/
		  simulation_path: /etc/crowdsec/simulation.yaml
		  hub_dir: /var/lib/crowdsec/hub/
		  index_path: /var/lib/crowdsec/hub/.index.json
		  notification_dir: $dir/notifications/
		  plugin_dir: /usr/lib/crowdsec/plugins/
		cscli: {output: human, color: "no"}
		db_config: {type: sqlite, use_wal: $wal, db_path: $dir/data/crowdsec.db, log_level: $level}
		api:
		  client: {credentials_path: $dir/local_api_credentials.yaml}
		  server: {listen_uri: "$listen", profiles_path: /etc/crowdsec/profiles.yaml, trusted_ips: [127.0.0.1], log_level: $level}
		prometheus: {enabled: false}
	CONF
}
