-- A Hearth store made by the code of commit d605479 (tests/store/make_d605479_store.py).
BEGIN TRANSACTION;
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO "alembic_version" VALUES('0095');
INSERT INTO "alembic_version" VALUES('0090');
INSERT INTO "alembic_version" VALUES('0008');
INSERT INTO "alembic_version" VALUES('0007');
INSERT INTO "alembic_version" VALUES('0006');
INSERT INTO "alembic_version" VALUES('0005');
INSERT INTO "alembic_version" VALUES('0004');
INSERT INTO "alembic_version" VALUES('0003');
INSERT INTO "alembic_version" VALUES('0002');
CREATE TABLE ec2_objects (
	id VARCHAR(36) NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	owner_id VARCHAR(36) NOT NULL, 
	created DATETIME NOT NULL, 
	region VARCHAR(64) NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	key_name VARCHAR(64), 
	device VARCHAR(16), 
	source_instance VARCHAR(36), 
	PRIMARY KEY (id)
);
INSERT INTO "ec2_objects" VALUES('i-0123456789abcdef0','edge','fe9606e2-62f2-48f3-aa1f-348e56459b0a','2026-12-02 17:12:40.157302','eu-west-1','instance','laptop',NULL,NULL);
CREATE TABLE idempotency_keys (
	owner_id VARCHAR(36) NOT NULL, 
	scope VARCHAR(16) NOT NULL, 
	"key" VARCHAR(255) NOT NULL, 
	fingerprint VARCHAR(64) NOT NULL, 
	state VARCHAR(16) NOT NULL, 
	holder VARCHAR(32) NOT NULL, 
	status INTEGER, 
	body TEXT, 
	location TEXT, 
	created DATETIME NOT NULL, 
	PRIMARY KEY (owner_id, scope, "key")
);
INSERT INTO "idempotency_keys" VALUES('fe9606e2-62f2-48f3-aa1f-348e56459b0a','v1','create-web-once','ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff','done','old-server',201,'{"id": "c4a2a727-f4c2-497f-a15a-e48ad295a4c0"}','/v1/instances/c4a2a727-f4c2-497f-a15a-e48ad295a4c0','2026-12-02 17:12:40.166981');
CREATE TABLE keys (
	id VARCHAR(36) NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	owner_id VARCHAR(36) NOT NULL, 
	created DATETIME NOT NULL, 
	kind VARCHAR(32) NOT NULL, 
	fingerprint VARCHAR(128) NOT NULL, 
	public_key TEXT NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_keys_owner_name UNIQUE (owner_id, name)
);
INSERT INTO "keys" VALUES('16fd40ce-95df-4f66-8ac0-41cf5e66e0fa','laptop','fe9606e2-62f2-48f3-aa1f-348e56459b0a','2026-12-02 17:12:40.116319','ssh-ed25519','SHA256:jptc4sVPK+YVs4YhfM5PRXuJMSA6p+0UlLQBSocAd74','ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILs0PcBt3YkkqM6rONf88YlyqnFfUWQ2ZElnb+GYsL5N');
CREATE TABLE libvirt_images (
	id VARCHAR(36) NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	owner_id VARCHAR(36) NOT NULL, 
	created DATETIME NOT NULL, 
	realm_id VARCHAR(64) NOT NULL, 
	description TEXT NOT NULL, 
	state VARCHAR(16) NOT NULL, 
	os VARCHAR(64), 
	architecture VARCHAR(16) NOT NULL, 
	source_instance VARCHAR(36), 
	pool VARCHAR(255), 
	volume VARCHAR(255), 
	kernel VARCHAR(4096), 
	initrd VARCHAR(4096), 
	cmdline VARCHAR(4096), 
	PRIMARY KEY (id)
);
CREATE TABLE libvirt_networks (
	id VARCHAR(36) NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	owner_id VARCHAR(36) NOT NULL, 
	created DATETIME NOT NULL, 
	realm_id VARCHAR(64) NOT NULL, 
	libvirt_name VARCHAR(255) NOT NULL, 
	address_blocks JSON NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_libvirt_networks_name UNIQUE (realm_id, libvirt_name)
);
INSERT INTO "libvirt_networks" VALUES('lnet-1','lab','fe9606e2-62f2-48f3-aa1f-348e56459b0a','2026-12-02 17:12:40.160799','host-a','hearth-lab','["10.77.0.0/24"]');
CREATE TABLE libvirt_snapshots (
	id VARCHAR(36) NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	owner_id VARCHAR(36) NOT NULL, 
	created DATETIME NOT NULL, 
	volume_id VARCHAR(36) NOT NULL, 
	pool VARCHAR(255) NOT NULL, 
	volume VARCHAR(255) NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(volume_id) REFERENCES libvirt_volumes (id)
);
CREATE TABLE libvirt_subnets (
	id VARCHAR(36) NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	owner_id VARCHAR(36) NOT NULL, 
	created DATETIME NOT NULL, 
	network_id VARCHAR(36) NOT NULL, 
	address_block VARCHAR(64) NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(network_id) REFERENCES libvirt_networks (id)
);
CREATE TABLE libvirt_volumes (
	id VARCHAR(36) NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	owner_id VARCHAR(36) NOT NULL, 
	created DATETIME NOT NULL, 
	realm_id VARCHAR(64) NOT NULL, 
	pool VARCHAR(255) NOT NULL, 
	volume VARCHAR(255) NOT NULL, 
	capacity_gb INTEGER NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE media_sources (
	id VARCHAR(36) NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	owner_id VARCHAR(36) NOT NULL, 
	created DATETIME NOT NULL, 
	type VARCHAR(16) NOT NULL, 
	path TEXT, 
	server VARCHAR(255), 
	export TEXT, 
	urls JSON NOT NULL, 
	cache BOOLEAN NOT NULL, 
	root TEXT, 
	PRIMARY KEY (id)
);
INSERT INTO "media_sources" VALUES('src-1','isos','system','2026-12-02 17:12:40.161479','dir','/srv/isos',NULL,NULL,'[]',0,NULL);
CREATE TABLE mock_addresses (
	id VARCHAR(36) NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	owner_id VARCHAR(36) NOT NULL, 
	created DATETIME NOT NULL, 
	ip_address VARCHAR(64) NOT NULL, 
	instance_id VARCHAR(36), 
	PRIMARY KEY (id), 
	FOREIGN KEY(instance_id) REFERENCES mock_instances (id), 
	UNIQUE (ip_address)
);
INSERT INTO "mock_addresses" VALUES('3ed4a0c2-705a-4c58-b574-2c20ba28ab04','public','fe9606e2-62f2-48f3-aa1f-348e56459b0a','2026-12-02 17:12:40.156125','203.0.113.2',NULL);
CREATE TABLE mock_bindings (
	instance_id VARCHAR(36) NOT NULL, 
	subnet_id VARCHAR(36) NOT NULL, 
	network_id VARCHAR(36) NOT NULL, 
	ip_address VARCHAR(64) NOT NULL, 
	PRIMARY KEY (instance_id, subnet_id), 
	FOREIGN KEY(instance_id) REFERENCES mock_instances (id) ON DELETE CASCADE, 
	FOREIGN KEY(network_id) REFERENCES mock_networks (id), 
	FOREIGN KEY(subnet_id) REFERENCES mock_subnets (id), 
	CONSTRAINT uq_mock_bindings_ip UNIQUE (subnet_id, ip_address)
);
INSERT INTO "mock_bindings" VALUES('c4a2a727-f4c2-497f-a15a-e48ad295a4c0','5107579c-dd5c-45bf-84c4-3448de76ef5f','3c2aeaee-9f2a-4dbb-acde-b53c3f933cca','10.9.1.2');
CREATE TABLE mock_disks (
	instance_id VARCHAR(36) NOT NULL, 
	dev VARCHAR(8) NOT NULL, 
	type VARCHAR(8) NOT NULL, 
	bus VARCHAR(8) NOT NULL, 
	path TEXT, 
	url TEXT, 
	created DATETIME NOT NULL, 
	PRIMARY KEY (instance_id, dev), 
	FOREIGN KEY(instance_id) REFERENCES mock_instances (id) ON DELETE CASCADE
);
INSERT INTO "mock_disks" VALUES('75e2fc65-5495-49e4-b7ae-8dd6859aeb1f','hda','cdrom','ide',NULL,'https://example.org/a.iso','2026-12-02 17:12:40.144323');
CREATE TABLE mock_hardware_profiles (
	id VARCHAR(36) NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	owner_id VARCHAR(36) NOT NULL, 
	created DATETIME NOT NULL, 
	properties JSON NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "mock_hardware_profiles" VALUES('small','small','system','2026-12-02 17:12:40.079185','{"memory": {"kind": "fixed", "unit": "MB", "value": 1024}, "cpu": {"kind": "fixed", "unit": "count", "value": 1}, "storage": {"kind": "fixed", "unit": "GB", "value": 10}, "architecture": {"kind": "fixed", "unit": "label", "value": "x86_64"}}');
INSERT INTO "mock_hardware_profiles" VALUES('medium','medium','system','2026-12-02 17:12:40.079188','{"memory": {"kind": "fixed", "unit": "MB", "value": 4096}, "cpu": {"kind": "fixed", "unit": "count", "value": 2}, "storage": {"kind": "fixed", "unit": "GB", "value": 40}, "architecture": {"kind": "fixed", "unit": "label", "value": "x86_64"}}');
INSERT INTO "mock_hardware_profiles" VALUES('flexible','flexible','system','2026-12-02 17:12:40.079189','{"memory": {"kind": "range", "unit": "MB", "value": 1024, "first": 512, "last": 8192, "step": 256}, "cpu": {"kind": "enum", "unit": "count", "value": 1, "values": [1, 2, 4]}, "storage": {"kind": "range", "unit": "GB", "value": 20, "first": 10, "last": 200, "step": 10}, "architecture": {"kind": "fixed", "unit": "label", "value": "x86_64"}}');
INSERT INTO "mock_hardware_profiles" VALUES('opaque','opaque','system','2026-12-02 17:12:40.079190','{}');
CREATE TABLE mock_images (
	id VARCHAR(36) NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	owner_id VARCHAR(36) NOT NULL, 
	created DATETIME NOT NULL, 
	description TEXT NOT NULL, 
	state VARCHAR(16) NOT NULL, 
	os VARCHAR(64), 
	architecture VARCHAR(16) NOT NULL, 
	source_instance VARCHAR(36), 
	PRIMARY KEY (id)
);
INSERT INTO "mock_images" VALUES('debian-12','debian-12','system','2026-12-02 17:12:40.079885','Debian 12 (bookworm) generic cloud image','AVAILABLE','debian12','x86_64',NULL);
INSERT INTO "mock_images" VALUES('fedora-40','fedora-40','system','2026-12-02 17:12:40.079886','Fedora 40 Cloud Base','AVAILABLE','fedora40','x86_64',NULL);
INSERT INTO "mock_images" VALUES('alpine-3.19','alpine-3.19','system','2026-12-02 17:12:40.079887','Alpine Linux 3.19 virt','AVAILABLE','alpine3.19','x86_64',NULL);
CREATE TABLE mock_instance_specs (
	instance_id VARCHAR(36) NOT NULL, 
	memory_mib INTEGER NOT NULL, 
	vcpus INTEGER NOT NULL, 
	spec JSON NOT NULL, 
	PRIMARY KEY (instance_id), 
	FOREIGN KEY(instance_id) REFERENCES mock_instances (id) ON DELETE CASCADE
);
CREATE TABLE mock_instances (
	id VARCHAR(36) NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	owner_id VARCHAR(36) NOT NULL, 
	created DATETIME NOT NULL, 
	state VARCHAR(16) NOT NULL, 
	next_state VARCHAR(16), 
	next_at FLOAT, 
	state_reason TEXT, 
	image_id VARCHAR(36), 
	template_id VARCHAR(36), 
	realm_id VARCHAR(36) NOT NULL, 
	hwp_id VARCHAR(36) NOT NULL, 
	hwp_overrides JSON NOT NULL, 
	key_name VARCHAR(64), 
	user_data TEXT, 
	PRIMARY KEY (id)
);
INSERT INTO "mock_instances" VALUES('c4a2a727-f4c2-497f-a15a-e48ad295a4c0','web','fe9606e2-62f2-48f3-aa1f-348e56459b0a','2026-12-02 17:12:40.125125','RUNNING',NULL,NULL,NULL,'debian-12',NULL,'local','small','{}','laptop',NULL);
INSERT INTO "mock_instances" VALUES('75e2fc65-5495-49e4-b7ae-8dd6859aeb1f','db','fe9606e2-62f2-48f3-aa1f-348e56459b0a','2026-12-02 17:12:40.135356','STOPPED',NULL,NULL,NULL,'fedora-40',NULL,'local','medium','{}',NULL,NULL);
CREATE TABLE mock_interfaces (
	instance_id VARCHAR(36) NOT NULL, 
	mac VARCHAR(17) NOT NULL, 
	type VARCHAR(16) NOT NULL, 
	source VARCHAR(64), 
	mode VARCHAR(8), 
	model VARCHAR(16) NOT NULL, 
	subnet_id VARCHAR(36), 
	created DATETIME NOT NULL, 
	PRIMARY KEY (instance_id, mac), 
	FOREIGN KEY(instance_id) REFERENCES mock_instances (id) ON DELETE CASCADE
);
INSERT INTO "mock_interfaces" VALUES('c4a2a727-f4c2-497f-a15a-e48ad295a4c0','52:54:00:be:12:60','network','3c2aeaee-9f2a-4dbb-acde-b53c3f933cca',NULL,'virtio','5107579c-dd5c-45bf-84c4-3448de76ef5f','2026-12-02 17:12:40.127945');
INSERT INTO "mock_interfaces" VALUES('75e2fc65-5495-49e4-b7ae-8dd6859aeb1f','52:54:00:2e:d2:b8','user',NULL,NULL,'virtio',NULL,'2026-12-02 17:12:40.141707');
CREATE TABLE mock_networks (
	id VARCHAR(36) NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	owner_id VARCHAR(36) NOT NULL, 
	created DATETIME NOT NULL, 
	address_blocks JSON NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "mock_networks" VALUES('default','default','system','2026-12-02 17:12:40.073687','["192.168.122.0/24"]');
INSERT INTO "mock_networks" VALUES('3c2aeaee-9f2a-4dbb-acde-b53c3f933cca','lan','fe9606e2-62f2-48f3-aa1f-348e56459b0a','2026-12-02 17:12:40.117483','["10.9.0.0/16"]');
CREATE TABLE mock_pools (
	id VARCHAR(36) NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	owner_id VARCHAR(36) NOT NULL, 
	created DATETIME NOT NULL, 
	type VARCHAR(16) NOT NULL, 
	state VARCHAR(16) NOT NULL, 
	capacity_bytes BIGINT NOT NULL, 
	allocation_bytes BIGINT NOT NULL, 
	path TEXT, 
	realm_id VARCHAR(36) NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "mock_pools" VALUES('default','default','system','2026-12-02 17:12:40.077220','dir','ACTIVE',536870912000,128849018880,'/var/lib/hearth/mock/pools/default','local');
INSERT INTO "mock_pools" VALUES('archive','archive','system','2026-12-02 17:12:40.077778','netfs','INACTIVE',2199023255552,0,'/var/lib/hearth/mock/pools/archive','remote');
CREATE TABLE mock_realms (
	id VARCHAR(36) NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	owner_id VARCHAR(36) NOT NULL, 
	created DATETIME NOT NULL, 
	state VARCHAR(16) NOT NULL, 
	"limit" INTEGER, 
	PRIMARY KEY (id)
);
INSERT INTO "mock_realms" VALUES('local','local','system','2026-12-02 17:12:40.080327','AVAILABLE',NULL);
INSERT INTO "mock_realms" VALUES('remote','remote','system','2026-12-02 17:12:40.080329','UNAVAILABLE',NULL);
CREATE TABLE mock_snapshots (
	id VARCHAR(36) NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	owner_id VARCHAR(36) NOT NULL, 
	created DATETIME NOT NULL, 
	volume_id VARCHAR(36) NOT NULL, 
	state VARCHAR(16) NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(volume_id) REFERENCES mock_volumes (id)
);
INSERT INTO "mock_snapshots" VALUES('1054a107-d4a5-4387-b099-0f3a67ef088b','nightly','fe9606e2-62f2-48f3-aa1f-348e56459b0a','2026-12-02 17:12:40.152657','f51d4f54-02e8-40c0-837d-09198a0e5cac','AVAILABLE');
CREATE TABLE mock_subnets (
	id VARCHAR(36) NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	owner_id VARCHAR(36) NOT NULL, 
	created DATETIME NOT NULL, 
	network_id VARCHAR(36) NOT NULL, 
	address_block VARCHAR(64) NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(network_id) REFERENCES mock_networks (id)
);
INSERT INTO "mock_subnets" VALUES('default','default','system','2026-12-02 17:12:40.074552','default','192.168.122.0/24');
INSERT INTO "mock_subnets" VALUES('5107579c-dd5c-45bf-84c4-3448de76ef5f','lan-a','fe9606e2-62f2-48f3-aa1f-348e56459b0a','2026-12-02 17:12:40.119761','3c2aeaee-9f2a-4dbb-acde-b53c3f933cca','10.9.1.0/24');
CREATE TABLE mock_volumes (
	id VARCHAR(36) NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	owner_id VARCHAR(36) NOT NULL, 
	created DATETIME NOT NULL, 
	capacity_gb INTEGER NOT NULL, 
	realm_id VARCHAR(36) NOT NULL, 
	instance_id VARCHAR(36), 
	device VARCHAR(8), 
	PRIMARY KEY (id), 
	FOREIGN KEY(instance_id) REFERENCES mock_instances (id), 
	CONSTRAINT uq_mock_volumes_device UNIQUE (instance_id, device)
);
INSERT INTO "mock_volumes" VALUES('f51d4f54-02e8-40c0-837d-09198a0e5cac','data','fe9606e2-62f2-48f3-aa1f-348e56459b0a','2026-12-02 17:12:40.145995',2,'local','c4a2a727-f4c2-497f-a15a-e48ad295a4c0','vdb');
CREATE TABLE qemu_images (
	id VARCHAR(36) NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	owner_id VARCHAR(36) NOT NULL, 
	created DATETIME NOT NULL, 
	description TEXT NOT NULL, 
	state VARCHAR(16) NOT NULL, 
	os VARCHAR(64), 
	architecture VARCHAR(16) NOT NULL, 
	source_instance VARCHAR(36), 
	disk VARCHAR(64), 
	disk_format VARCHAR(16), 
	kernel VARCHAR(64), 
	initrd VARCHAR(64), 
	cmdline TEXT, 
	deleted BOOLEAN NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "qemu_images" VALUES('qimg-1','tiny','fe9606e2-62f2-48f3-aa1f-348e56459b0a','2026-12-02 17:12:40.162050','','AVAILABLE',NULL,'x86_64',NULL,'disk.qcow2','qcow2',NULL,NULL,NULL,0);
CREATE TABLE qemu_instances (
	id VARCHAR(36) NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	owner_id VARCHAR(36) NOT NULL, 
	created DATETIME NOT NULL, 
	state VARCHAR(16) NOT NULL, 
	state_reason TEXT, 
	stop_deadline FLOAT, 
	image_id VARCHAR(36), 
	template_id VARCHAR(64), 
	realm_id VARCHAR(36) NOT NULL, 
	hwp_id VARCHAR(36) NOT NULL, 
	hwp_overrides JSON NOT NULL, 
	key_name VARCHAR(64), 
	memory_mib INTEGER NOT NULL, 
	vcpus INTEGER NOT NULL, 
	spec JSON, 
	base_images JSON NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE qemu_snapshots (
	id VARCHAR(36) NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	owner_id VARCHAR(36) NOT NULL, 
	created DATETIME NOT NULL, 
	volume_id VARCHAR(36) NOT NULL, 
	state VARCHAR(16) NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(volume_id) REFERENCES qemu_volumes (id)
);
CREATE TABLE qemu_volumes (
	id VARCHAR(36) NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	owner_id VARCHAR(36) NOT NULL, 
	created DATETIME NOT NULL, 
	capacity_gb INTEGER NOT NULL, 
	realm_id VARCHAR(36) NOT NULL, 
	instance_id VARCHAR(36), 
	device VARCHAR(8), 
	PRIMARY KEY (id), 
	FOREIGN KEY(instance_id) REFERENCES qemu_instances (id), 
	CONSTRAINT uq_qemu_volumes_device UNIQUE (instance_id, device)
);
CREATE TABLE store_meta (
	"key" VARCHAR(64) NOT NULL, 
	value VARCHAR(255) NOT NULL, 
	PRIMARY KEY ("key")
);
INSERT INTO "store_meta" VALUES('demo_users_seeded','1');
INSERT INTO "store_meta" VALUES('mock_default_network_seeded','1');
INSERT INTO "store_meta" VALUES('mock_pools_seeded','1');
INSERT INTO "store_meta" VALUES('mock_catalogue_seeded','1');
CREATE TABLE tasks (
	id VARCHAR(36) NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	owner_id VARCHAR(36) NOT NULL, 
	created DATETIME NOT NULL, 
	kind VARCHAR(64) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	progress INTEGER NOT NULL, 
	message TEXT, 
	result JSON, 
	error JSON, 
	updated DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "tasks" VALUES('task-1','create web','fe9606e2-62f2-48f3-aa1f-348e56459b0a','2026-12-02 17:12:40.162516','instances.create','done',100,NULL,'{"id": "c4a2a727-f4c2-497f-a15a-e48ad295a4c0"}',NULL,'2026-12-01 12:00:00.000000');
CREATE TABLE templates (
	id VARCHAR(36) NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	owner_id VARCHAR(36) NOT NULL, 
	created DATETIME NOT NULL, 
	definition JSON NOT NULL, 
	updated DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_templates_owner_name UNIQUE (owner_id, name)
);
INSERT INTO "templates" VALUES('tpl-1','small-debian','fe9606e2-62f2-48f3-aa1f-348e56459b0a','2026-12-02 17:12:40.162950','{"memory_mib": 512, "vcpus": 1}','2026-12-01 12:00:00.000000');
CREATE TABLE users (
	id VARCHAR(36) NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	password_hash VARCHAR(255) NOT NULL, 
	is_admin BOOLEAN NOT NULL, 
	created DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (name)
);
INSERT INTO "users" VALUES('bf187647-f752-4e57-b5ed-3e6567b53679','demo','scrypt$16384$8$1$a1K0JF6fSnjKLWFC6xb2Yw==$qbaoGmMm9v1OXpyLhOo8T2ct1lBeGLuACUfpO273Y+8=',0,'2026-12-02 17:12:40.035298');
INSERT INTO "users" VALUES('e77ba616-f129-43a6-bdb8-7180a64edf90','admin','scrypt$16384$8$1$iGajjGgp2S4UNZVJIB7NGQ==$i9Y/L1eZvacwl3FMnnr7NEYF05U0UJNG+wL+N0k6EWU=',1,'2026-12-02 17:12:40.069463');
INSERT INTO "users" VALUES('fe9606e2-62f2-48f3-aa1f-348e56459b0a','carol','scrypt$16384$8$1$XQscUfr8B+2rNVXX4pOm2w==$6R1kNC7SZvpyaoRoN1Mg8QTzpni9VkJQm7vOaS3U+nc=',0,'2026-12-02 17:12:40.113111');
CREATE INDEX ix_keys_owner_id ON keys (owner_id);
CREATE INDEX ix_mock_realms_owner_id ON mock_realms (owner_id);
CREATE INDEX ix_mock_hardware_profiles_owner_id ON mock_hardware_profiles (owner_id);
CREATE INDEX ix_mock_images_owner_id ON mock_images (owner_id);
CREATE INDEX ix_mock_instances_owner_id ON mock_instances (owner_id);
CREATE INDEX ix_mock_instances_owner_state ON mock_instances (owner_id, state);
CREATE INDEX ix_mock_instances_realm_id ON mock_instances (realm_id);
CREATE INDEX ix_mock_networks_owner_id ON mock_networks (owner_id);
CREATE INDEX ix_mock_subnets_owner_id ON mock_subnets (owner_id);
CREATE INDEX ix_mock_subnets_network_id ON mock_subnets (network_id);
CREATE INDEX ix_mock_addresses_owner_id ON mock_addresses (owner_id);
CREATE INDEX ix_mock_addresses_instance_id ON mock_addresses (instance_id);
CREATE INDEX ix_mock_volumes_owner_id ON mock_volumes (owner_id);
CREATE INDEX ix_mock_volumes_instance_id ON mock_volumes (instance_id);
CREATE INDEX ix_mock_snapshots_owner_id ON mock_snapshots (owner_id);
CREATE INDEX ix_mock_snapshots_volume_id ON mock_snapshots (volume_id);
CREATE INDEX ix_mock_bindings_network_id ON mock_bindings (network_id);
CREATE INDEX ix_ec2_objects_owner_id ON ec2_objects (owner_id);
CREATE INDEX ix_ec2_objects_region_kind ON ec2_objects (region, kind);
CREATE INDEX ix_libvirt_images_owner_id ON libvirt_images (owner_id);
CREATE INDEX ix_libvirt_volumes_owner_id ON libvirt_volumes (owner_id);
CREATE INDEX ix_libvirt_snapshots_owner_id ON libvirt_snapshots (owner_id);
CREATE INDEX ix_libvirt_snapshots_volume_id ON libvirt_snapshots (volume_id);
CREATE INDEX ix_libvirt_networks_owner_id ON libvirt_networks (owner_id);
CREATE INDEX ix_libvirt_subnets_owner_id ON libvirt_subnets (owner_id);
CREATE INDEX ix_libvirt_subnets_network_id ON libvirt_subnets (network_id);
CREATE INDEX ix_mock_pools_owner_id ON mock_pools (owner_id);
CREATE INDEX ix_media_sources_owner_id ON media_sources (owner_id);
CREATE INDEX ix_qemu_images_owner_id ON qemu_images (owner_id);
CREATE INDEX ix_qemu_instances_owner_id ON qemu_instances (owner_id);
CREATE INDEX ix_qemu_volumes_owner_id ON qemu_volumes (owner_id);
CREATE INDEX ix_qemu_volumes_instance_id ON qemu_volumes (instance_id);
CREATE INDEX ix_qemu_snapshots_owner_id ON qemu_snapshots (owner_id);
CREATE INDEX ix_qemu_snapshots_volume_id ON qemu_snapshots (volume_id);
CREATE INDEX ix_templates_owner_id ON templates (owner_id);
CREATE INDEX ix_tasks_owner_id ON tasks (owner_id);
CREATE INDEX ix_tasks_status ON tasks (status);
COMMIT;
