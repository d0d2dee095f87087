variable "name_prefix" {
  description = "First part of every name: a lowercase letter, then 1 to 15 lowercase letters or digits."
  type        = string
  default     = "payhook"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,15}$", var.name_prefix))
    error_message = "Use a lowercase letter, then 1 to 15 lowercase letters or digits (no dash: names are <name_prefix>-<environment_suffix>-<what>, read at the dashes)."
  }
}

variable "environment_suffix" {
  description = "Last part of every name: dev, staging, prod. A lowercase letter, then 1 to 15 lowercase letters or digits: no dash, so that no environment's names begin with another's (github-oidc's patterns end at the dash after it). Not account, the account root's."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,15}$", var.environment_suffix))
    error_message = "Use a lowercase letter, then 1 to 15 lowercase letters or digits (no dash: payhook-dev-* would also match an environment named dev-eu)."
  }
  validation {
    # The account root's names are <name_prefix>-account-*: an environment
    # of that name would reach its queue, alias and alarms.
    condition     = var.environment_suffix != "account"
    error_message = "account is the account root's (envs/account): name the environment otherwise."
  }
}

variable "lambda_zip_dir" {
  description = "Directory with receiver.zip, processor.zip, auditor.zip, reconciler.zip when reconcile_enabled and forwarder.zip with event_destinations (nix build .#lambdas). A missing zip fails the plan."
  type        = string
}

variable "deletion_protection" {
  description = "Turn on the table's deletion protection in DynamoDB. Independently, OpenTofu itself never destroys the table or the key (prevent_destroy)."
  type        = bool
  default     = true
}

variable "log_retention_days" {
  description = "How long function and API access logs are kept; the audit trail lives in the auditor's."
  type        = number
  default     = 30
}

variable "dlq_retention_seconds" {
  description = "How long dead letters are kept (the SQS maximum, 14 days)."
  type        = number
  default     = 1209600
}

variable "api_throttle_rate" {
  description = "API Gateway steady-state requests per second."
  type        = number
  default     = 1000
}

variable "api_throttle_burst" {
  description = "API Gateway burst."
  type        = number
  default     = 2000
}

variable "waf_rate_limit" {
  description = "Requests per source IP per waf_rate_window_seconds before WAF blocks (600 per 60 s is 10 per second)."
  type        = number
  default     = 600
}

variable "waf_rate_window_seconds" {
  description = "The window of the per-IP rate rule."
  type        = number
  default     = 60
}

variable "provider_source_cidrs" {
  description = "Each payment provider's published webhook source addresses (IPv4 CIDRs). A provider sends from few addresses, so these are exempt from the per-IP limit and get provider_rate_limit instead. An address missing here only meets the per-IP limit; it is never blocked outright."
  type        = map(list(string))
  # Copied on 2026-11-28 from each provider's published list; this machine
  # could not read the providers' pages, so each list was taken from
  # independent copies that cite the page, dated where they say so.
  # Check them against the sources before relying on them.
  default = {
    # https://docs.stripe.com/ips#webhook-notifications, machine-readable at
    # https://stripe.com/files/ips/ips_webhooks.json. Stripe announces
    # changes 7 days ahead on its api-announce list.
    stripe = [
      "3.18.12.63/32", "3.130.192.231/32", "13.235.14.237/32", "13.235.122.149/32", "18.211.135.69/32", "35.154.171.200/32",
      "52.15.183.38/32", "54.88.130.119/32", "54.88.130.237/32", "54.187.174.169/32", "54.187.205.235/32", "54.187.216.72/32",
    ]
    # https://developer.squareup.com/docs/webhooks/overview ("Webhooks from
    # Square originate from the following IP addresses"): production, then sandbox.
    square = ["54.245.1.154/32", "34.202.99.168/32", "54.212.177.79/32", "107.20.218.8/32"]
    # https://www.paypal.com/us/cshelp/article/what-are-the-ip-addresses-for-live-paypal-servers-ts1056:
    # the ranges of PayPal's live servers, webhooks included (a copy dated 2024-02-29).
    paypal = ["64.4.240.0/21", "64.4.248.0/22", "66.211.168.0/22", "91.243.72.0/23", "173.0.80.0/20", "185.177.52.0/22", "192.160.215.0/24", "198.54.216.0/23"]
    # https://developer.paddle.com/webhooks/respond-to-webhooks ("allowlist
    # Paddle IP addresses"): live, then sandbox.
    paddle = [
      "34.232.58.13/32", "34.195.105.136/32", "34.237.3.244/32", "35.155.119.135/32", "52.11.166.252/32", "34.212.5.7/32",
      "34.194.127.46/32", "54.234.237.108/32", "3.208.120.145/32", "44.226.236.210/32", "44.241.183.62/32", "100.20.172.113/32",
    ]
    # Adyen, Checkout.com and GoCardless publish no list this module could
    # check: their deliveries meet the per-IP limit, and a refused delivery
    # is retried. An account whose volume from one of them nears the limit
    # adds the addresses that provider gives it here.
  }

  validation {
    condition     = alltrue([for cidr in flatten(values(var.provider_source_cidrs)) : can(cidrhost(cidr, 0)) && strcontains(cidr, ".")])
    error_message = "Give IPv4 CIDRs, such as 192.0.2.10/32."
  }
}

variable "provider_rate_limit" {
  description = "Requests per provider source IP per waf_rate_window_seconds."
  type        = number
  default     = 60000
}

variable "reserve_concurrency" {
  description = "Reserve each function's reserved_concurrency. A new account's Lambda quota is too small for it (README: Deploy to AWS); false runs every function on the account's unreserved pool instead, the reconciler included, whose runs then stay apart only because its timeout is below the schedule's interval."
  type        = bool
  default     = true
}

variable "receiver" {
  description = "The receiver function's sizing."
  type = object({
    timeout              = number
    reserved_concurrency = number
    memory_size          = number
  })
  default = { timeout = 30, reserved_concurrency = 100, memory_size = 256 }
}

variable "processor" {
  description = "The processor function's sizing."
  type = object({
    timeout              = number
    reserved_concurrency = number
    memory_size          = number
  })
  default = { timeout = 300, reserved_concurrency = 50, memory_size = 512 }
}

variable "auditor" {
  description = "The auditor function's sizing."
  type = object({
    timeout              = number
    reserved_concurrency = number
    memory_size          = number
  })
  default = { timeout = 60, reserved_concurrency = 10, memory_size = 256 }
}

variable "reconciler" {
  description = "The reconciler function's sizing. Its reservation is always 1, so that a run never overlaps another (when reserve_concurrency is true)."
  type = object({
    timeout              = number
    reserved_concurrency = number
    memory_size          = number
  })
  default = { timeout = 300, reserved_concurrency = 1, memory_size = 256 }

  validation {
    condition     = var.reconciler.reserved_concurrency == 1
    error_message = "The reconciler reserves exactly 1 concurrent execution: two runs at once would list and checkpoint the same window."
  }
  validation {
    condition     = var.reconciler.timeout >= 60 && var.reconciler.timeout <= 900
    error_message = "The reconciler's timeout is 60 to 900 seconds (Lambda's maximum), and should stay below the schedule's interval."
  }
}

variable "reconcile_enabled" {
  description = "Create the reconciler function and its schedule, which store the events the providers' APIs list and payhook never received (README: Missed webhooks). false removes the function, the schedule, its role's policy, its dead-letter queue and their alarms."
  type        = bool
  default     = true
}

variable "reconcile_schedule" {
  description = "When the reconciler runs: an EventBridge Scheduler rate() or cron() expression, in UTC. Keep the interval longer than the reconciler's timeout."
  type        = string
  default     = "rate(15 minutes)"

  validation {
    condition     = can(regex("^(rate|cron)\\(.+\\)$", var.reconcile_schedule))
    error_message = "Give an EventBridge Scheduler rate(...) or cron(...) expression, such as rate(15 minutes)."
  }
}

variable "reconcile_window" {
  description = "PAYHOOK_RECONCILE_WINDOW: how far back a scheduled run looks at most, as a Go duration of hours, minutes and seconds (15m to 720h)."
  type        = string
  default     = "72h"

  validation {
    condition = can(regex("^([0-9]+[hms])+$", var.reconcile_window)) && try(
      sum([for part in regexall("([0-9]+)([hms])", var.reconcile_window) : tonumber(part[0]) * { h = 3600, m = 60, s = 1 }[part[1]]]) >= 900 &&
    sum([for part in regexall("([0-9]+)([hms])", var.reconcile_window) : tonumber(part[0]) * { h = 3600, m = 60, s = 1 }[part[1]]]) <= 2592000, false)
    error_message = "Give a duration from 15m to 720h, such as 72h or 1h30m."
  }
}

variable "processor_stream" {
  description = "How the processor's event source mapping reads the table's stream: batch_size (1 to 10000 records), parallelization_factor (1 to 10 concurrent batches per shard, records of one item staying in order) and batching_window_seconds (0 to 300, how long a batch waits to fill). Raise parallelization_factor when the processor falls behind (docs/capacity.md)."
  type = object({
    batch_size              = number
    parallelization_factor  = number
    batching_window_seconds = number
  })
  default = { batch_size = 100, parallelization_factor = 1, batching_window_seconds = 1 }

  validation {
    condition = (var.processor_stream.batch_size >= 1 && var.processor_stream.batch_size <= 10000 && floor(var.processor_stream.batch_size) == var.processor_stream.batch_size &&
      var.processor_stream.parallelization_factor >= 1 && var.processor_stream.parallelization_factor <= 10 && floor(var.processor_stream.parallelization_factor) == var.processor_stream.parallelization_factor &&
    var.processor_stream.batching_window_seconds >= 0 && var.processor_stream.batching_window_seconds <= 300)
    error_message = "batch_size is a whole number from 1 to 10000, parallelization_factor from 1 to 10, batching_window_seconds from 0 to 300 (the limits of a DynamoDB stream's event source mapping)."
  }
}

variable "auditor_stream" {
  description = "How the auditor's event source mapping reads the table's stream, as processor_stream: it gets three records per webhook."
  type = object({
    batch_size              = number
    parallelization_factor  = number
    batching_window_seconds = number
  })
  default = { batch_size = 100, parallelization_factor = 1, batching_window_seconds = 1 }

  validation {
    condition = (var.auditor_stream.batch_size >= 1 && var.auditor_stream.batch_size <= 10000 && floor(var.auditor_stream.batch_size) == var.auditor_stream.batch_size &&
      var.auditor_stream.parallelization_factor >= 1 && var.auditor_stream.parallelization_factor <= 10 && floor(var.auditor_stream.parallelization_factor) == var.auditor_stream.parallelization_factor &&
    var.auditor_stream.batching_window_seconds >= 0 && var.auditor_stream.batching_window_seconds <= 300)
    error_message = "batch_size is a whole number from 1 to 10000, parallelization_factor from 1 to 10, batching_window_seconds from 0 to 300 (the limits of a DynamoDB stream's event source mapping)."
  }
}

variable "table_warm_throughput" {
  description = "The table's warm throughput: read and write request units per second it serves at once, without scaling first. null leaves DynamoDB's own (a new on-demand table: 12000 and 4000, then its highest use). Set it ahead of a rate the table has never seen (docs/capacity.md); it only ever goes up, and raising it is billed once."
  type = object({
    read_units_per_second  = number
    write_units_per_second = number
  })
  default = null

  validation {
    condition     = var.table_warm_throughput == null || try(var.table_warm_throughput.read_units_per_second >= 12000 && var.table_warm_throughput.write_units_per_second >= 4000, false)
    error_message = "Warm throughput starts at 12000 read and 4000 write units per second for a new on-demand table: give at least those."
  }
}

variable "stream_max_retries" {
  description = "Retries of a failing stream batch before it goes to the on-failure destination."
  type        = number
  default     = 10
}

variable "event_bus_enabled" {
  description = "Create an EventBridge bus and publish every canonical payment event to it."
  type        = bool
  default     = false
}

variable "event_destinations" {
  description = "Your HTTPS endpoints that receive the canonical payment events as signed Standard Webhooks messages (the README's Receive payment events in your app): name (1 to 32 lowercase letters, digits and dashes, unique, not ending in -dlq; it names the destination's queues, secret and alarm), url (https://, no credentials), event_types (canonical types; all when empty). Each gets an EventBridge rule on the bus, an SQS queue with a dead-letter queue and its alarm, and a secret, <name_prefix>-<environment_suffix>/forward/<name>, whose value you set: whsec_ secrets, comma-separated, the current one first. Needs event_bus_enabled."
  type = list(object({
    name        = string
    url         = string
    event_types = optional(list(string), [])
  }))
  default = []

  validation {
    # A name ending in -dlq would be another destination's dead-letter queue.
    condition = alltrue([for d in var.event_destinations : can(regex("^[a-z0-9][a-z0-9-]{0,31}$", d.name)) && !endswith(d.name, "-dlq")]) && (
    length(distinct(var.event_destinations[*].name)) == length(var.event_destinations))
    error_message = "Name each destination with 1 to 32 lowercase letters, digits and dashes, not ending in -dlq, each name once."
  }
  validation {
    # The forwarder posts signed messages: never in clear, never with
    # credentials a log or a dead letter would carry.
    condition     = alltrue([for d in var.event_destinations : can(regex("^https://[^/?#@[:space:]]+([/?][^#[:space:]]*)?$", d.url)) && length(d.url) <= 512])
    error_message = "Give each destination an https:// URL of at most 512 characters, without user:password@ or a #fragment."
  }
  validation {
    condition     = alltrue(flatten([for d in var.event_destinations : [for t in d.event_types : contains(local.canonical_event_types, t)]]))
    error_message = "Give canonical event types only: ${join(", ", local.canonical_event_types)}."
  }
  validation {
    condition     = length(var.event_destinations) == 0 || var.event_bus_enabled
    error_message = "Event destinations are fed from the event bus: set event_bus_enabled = true."
  }
  validation {
    # A destination's rule is <name_prefix>-<environment_suffix>-forward-<name>,
    # and EventBridge refuses a rule name over 64 characters.
    condition     = alltrue([for d in var.event_destinations : length("${var.name_prefix}-${var.environment_suffix}-forward-${d.name}") <= 64])
    error_message = "A destination's rule, ${var.name_prefix}-${var.environment_suffix}-forward-<name>, must fit EventBridge's 64 characters: name each destination with at most ${64 - length("${var.name_prefix}-${var.environment_suffix}-forward-")} characters here."
  }
}

variable "forwarder" {
  description = "The forwarder function's sizing, when there are event_destinations. max_concurrency caps each destination's concurrent deliveries (its event source mapping's maximum concurrency, 2 to 1000); with reserve_concurrency the function reserves max_concurrency for each destination. The timeout (30 to 120 s) covers one attempt, 15 s at most, for each message of a batch at once."
  type = object({
    timeout         = number
    memory_size     = number
    max_concurrency = number
  })
  default = { timeout = 60, memory_size = 256, max_concurrency = 5 }

  validation {
    condition     = var.forwarder.max_concurrency >= 2 && var.forwarder.max_concurrency <= 1000 && var.forwarder.timeout >= 30 && var.forwarder.timeout <= 120
    error_message = "max_concurrency is 2 to 1000 (SQS event source mappings' limits) and timeout 30 to 120 seconds."
  }
}

variable "forward_retry_window_hours" {
  description = "PAYHOOK_FORWARD_RETRY_WINDOW in hours (1 to 168): how long a message that does not get through is retried before it goes to its destination's dead-letter queue."
  type        = number
  default     = 24

  validation {
    condition     = var.forward_retry_window_hours >= 1 && var.forward_retry_window_hours <= 168 && floor(var.forward_retry_window_hours) == var.forward_retry_window_hours
    error_message = "Give a whole number of hours from 1 to 168."
  }
}

variable "forward_backlog_alarm_minutes" {
  description = "Minutes the oldest message may wait on an event destination's queue before its alarm says the destination is behind."
  type        = number
  default     = 60
}

variable "critical_event_types" {
  description = "Canonical event types that raise an SNS alert. null keeps the processor's own default (process.DefaultCritical: dispute.opened and payment.failed), which is written nowhere else."
  type        = list(string)
  default     = null
}

variable "paypal_sandbox" {
  description = "Also trust PayPal's sandbox certificate hosts (never in production)."
  type        = bool
  default     = false
}

variable "paypal_confirm" {
  description = "PAYHOOK_PAYPAL_CONFIRM: the processor confirms each PayPal delivery with PayPal's API before acting on it, when PayPal's API credentials are in the API credentials' secret. true lets the processor read that secret; with checkout_confirm and gocardless_amounts also false, it is neither set nor the read granted."
  type        = bool
  default     = true
}

variable "checkout_confirm" {
  description = "PAYHOOK_CHECKOUT_CONFIRM: the processor confirms each Checkout.com delivery with Checkout.com's API (the event by id) before acting on it, when a Checkout.com access key is in the API credentials' secret. true lets the processor read that secret; with paypal_confirm and gocardless_amounts also false, it is neither set nor the read granted."
  type        = bool
  default     = true
}

variable "gocardless_amounts" {
  description = "PAYHOOK_GOCARDLESS_AMOUNTS: the processor reads each GoCardless payment's (or refund's) amount from GoCardless's API, which its webhooks leave out, when GoCardless's access token is in the API credentials' secret; otherwise the amount is unknown. true lets the processor read that secret; with paypal_confirm and checkout_confirm also false, it is neither set nor the read granted."
  type        = bool
  default     = true
}

variable "rejected_signatures_threshold" {
  description = "Rejected signatures in 5 minutes that raise the alarm: a forgery attempt, or a secret rotated at the provider but not here."
  type        = number
  default     = 20
}

variable "stale_signatures_threshold" {
  description = "Genuine but stale (or early) signatures in 15 minutes that raise their own alarm, apart from forgeries: a provider retrying after an outage with its first signature (Paddle), a replay, or a clock off."
  type        = number
  default     = 100
}

variable "api_5xx_threshold" {
  description = "API 5XX responses in 5 minutes that raise the alarm."
  type        = number
  default     = 5
}

variable "waf_blocked_threshold" {
  description = "Requests blocked by WAF in 5 minutes that raise the alarm: a flood, or a provider sending from an address missing from provider_source_cidrs."
  type        = number
  default     = 50
}

variable "api_4xx_threshold" {
  description = "API 4XX responses in 5 minutes that raise the alarm: misdirected traffic, or a provider whose deliveries are refused."
  type        = number
  default     = 50
}

variable "function_roles" {
  description = "Each function's execution role, as name and ARN, for receiver, processor, auditor, reconciler and forwarder (github-oidc's function_roles): an administrator creates the roles; the module writes their policies."
  type = map(object({
    name = string
    arn  = string
  }))

  validation {
    condition     = alltrue([for f in ["receiver", "processor", "auditor", "reconciler", "forwarder"] : contains(keys(var.function_roles), f)])
    error_message = "Give a role for each of receiver, processor, auditor, reconciler and forwarder (github-oidc's function_roles)."
  }
}

variable "schedule_role" {
  description = "The role the reconciler's schedule invokes it with, as name and ARN (github-oidc's schedule_role): the module writes its policy."
  type = object({
    name = string
    arn  = string
  })
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
