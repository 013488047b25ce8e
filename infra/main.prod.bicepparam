// Production environment.
using 'main.bicep'

param environmentName = 'prod'
param alertEmail = 'retail-ops@example.com'
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
param storageSkuName = 'Standard_ZRS'
param functionInstanceMemoryMB = 2048
param functionMaximumInstanceCount = 200
param logRetentionInDays = 90
param queueAgeThresholdSeconds = 120
param failureRateThresholdPercent = 2
param tags = {
  workload: 'retail-functions'
  environment: 'prod'
}
