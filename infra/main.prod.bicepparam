// Production environment.
using 'main.bicep'

param environmentName = 'prod'
param alertEmail = 'retail-ops@example.com'
param shopifyWebhookSecretNames = [
  'shopify-webhook-secret'
]
param connectorSecrets = [
  {
    setting: 'Shopify__Admin__AccessToken'
    secretName: 'shopify-admin-api-token'
  }
]
param storageSkuName = 'Standard_ZRS'
param functionInstanceMemoryMB = 2048
// The web store's Admin API (availability pushes) and the default fulfillment location of web orders.
param pipelineSettings = {
  Inventory__DefaultFulfillmentLocation: 'WH-1'
}
param functionMaximumInstanceCount = 200
param logRetentionInDays = 90
param queueAgeThresholdSeconds = 120
param failureRateThresholdPercent = 2
param tags = {
  workload: 'retail-functions'
  environment: 'prod'
}
