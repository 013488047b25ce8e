// Development environment.
using 'main.bicep'

param environmentName = 'dev'
param alertEmail = 'retail-ops-dev@example.com'
param shopifyWebhookSecretNames = [
  'shopify-webhook-secret'
]
param connectorSecrets = [
  {
    setting: 'Shopify__AdminApiToken'
    secretName: 'shopify-admin-api-token'
  }
  {
    setting: 'Erp__ApiKey'
    secretName: 'erp-api-key'
  }
]
param functionMaximumInstanceCount = 40
param queueAgeThresholdSeconds = 600
param tags = {
  workload: 'retail-functions'
  environment: 'dev'
}
