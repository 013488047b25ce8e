// Development environment.
using 'main.bicep'

param environmentName = 'dev'
param alertEmail = 'retail-ops-dev@example.com'
param shopifyWebhookSecretNames = [
  'shopify-webhook-secret'
]
param connectorSecrets = [
  {
    setting: 'Shopify__Admin__AccessToken'
    secretName: 'shopify-admin-api-token'
  }
]
// The web store's Admin API (availability pushes) and the default fulfillment location of web orders.
// Pilot switches go here too, e.g. Pilot__Switches: 'chain:*=off; store:STORE-12:*=on' (docs/runbooks/pilot-rollout.md).
param pipelineSettings = {
  Inventory__DefaultFulfillmentLocation: 'WH-1'
}
param functionMaximumInstanceCount = 40
param queueAgeThresholdSeconds = 600
param tags = {
  workload: 'retail-functions'
  environment: 'dev'
}
