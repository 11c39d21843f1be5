# Vault Agent (or OpenBao's bao agent, same configuration) rendering Keyhouse's /opt/keyhouse/.env from one KV v2
# secret and restarting Keyhouse when it changes. See README, "Keyhouse with Vault" > "The Vault Agent route".
#
#   vault agent -config=/etc/vault-agent/agent.hcl        (as root, in its own systemd unit: it writes
#                                                          /opt/keyhouse/.env and runs systemctl)
# Files it needs, each mode 600, owned by root:
#   /etc/vault-agent/keyhouse.env.ctmpl   deploy/vault/keyhouse.env.ctmpl, with your secret's path
#   /etc/vault-agent/role-id              the AppRole's role_id
#   /etc/vault-agent/secret-id            a secret_id of that role
# The AppRole's token policy needs only: path "secret/data/keyhouse/production" { capabilities = ["read"] }

# Where Vault is. Use https in production; ca_cert names the CA that signed Vault's certificate when it is private.
vault {
  address = "https://vault.example.internal:8200"
  # ca_cert = "/etc/vault-agent/vault-ca.pem"
  retry {
    num_retries = 5
  }
}

# How Agent gets its token: AppRole login with the role_id and secret_id files. The secret_id file is kept (the
# default removes it after the first read, and Agent could then not log in again after a restart of its own).
auto_auth {
  method "approle" {
    mount_path = "auth/approle"
    config = {
      role_id_file_path                   = "/etc/vault-agent/role-id"
      secret_id_file_path                 = "/etc/vault-agent/secret-id"
      remove_secret_id_file_after_reading = false
    }
  }

  # Agent keeps its token here, on a tmpfs, readable by root only: for an operator's `VAULT_TOKEN=$(cat ...)` while
  # debugging; Keyhouse never reads it. The templates below do not need the file.
  sink "file" {
    config = {
      path = "/run/vault-agent/token"
      mode = 0600
    }
  }
}

# The templating engine as a whole: a render that keeps failing (a missing required key, a value no quoting holds)
# makes Agent exit with an error in the journal instead of retrying silently; the last good .env stays in place.
# KV secrets are static: Agent reads the secret again every static_secret_render_interval and renders when it changed.
template_config {
  exit_on_retry_failure         = true
  static_secret_render_interval = "5m"
}

# Keyhouse's environment file: rendered from the template, written atomically with mode 0600 (systemd reads it as
# root before starting the service), and on every change Keyhouse is restarted so that it reads the new values.
# try-restart leaves a stopped Keyhouse stopped.
template {
  source               = "/etc/vault-agent/keyhouse.env.ctmpl"
  destination          = "/opt/keyhouse/.env"
  perms                = "0600"
  error_on_missing_key = true
  exec {
    command = ["systemctl", "try-restart", "keyhouse.service"]
    timeout = "150s"
  }
}
