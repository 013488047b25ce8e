// RetailFunctions in Azure: a Flex Consumption Function App (.NET 10 isolated) with a user-assigned managed
// identity, Storage, Service Bus, Key Vault, Application Insights on Log Analytics, alerts and a workbook.
// Queue, table and container names come from resource-names.json, the one list shared with the code.

targetScope = 'resourceGroup'

@minLength(1)
@maxLength(64)
@description('Environment name (dev, prod, ...); part of every resource name token and of the azd environment.')
param environmentName string

@description('Azure region of every resource.')
param location string = resourceGroup().location

@description('Email address notified by the alerts.')
param alertEmail string

@description('Key Vault secret names of the accepted Shopify webhook secrets, exposed as Shopify__WebhookSecrets__0, __1, ... Two during a rotation. Secret values are set in Key Vault, never here.')
@minLength(1)
@maxLength(2)
param shopifyWebhookSecretNames string[] = [
  'shopify-webhook-secret'
]

@description('Connector credentials: the app setting name and the Key Vault secret name it references. Secret values are set in Key Vault, never here.')
param connectorSecrets {
  setting: string
  secretName: string
}[] = []

@description('Plain, non-secret app settings of the pipeline (e.g. Shopify__Admin__BaseUrl, Inventory__DefaultFulfillmentLocation). Secrets go in connectorSecrets.')
param pipelineSettings object = {}

@description('Client id of the Entra ID app registration whose app roles (store-associate, crm, finance, ...) callers hold. When set, App Service authentication validates tokens and the API takes roles from them; when empty, roles come from the X-RetailFunctions-Role header behind the function key.')
param entraClientId string = ''

// Service Bus delivery settings mirror the root host.json (extensions.queues), so a message is retried the same
// number of times and locked for the same time in Azure as on the local runtime:
//   maxDeliveryCount = host.json extensions.queues.maxDequeueCount   (5)
//   lockDuration     = host.json extensions.queues.visibilityTimeout ("00:00:30" = PT30S)
// Change them together; the infrastructure tests compare the two.
@description('Deliveries before a message is dead-lettered (host.json extensions.queues.maxDequeueCount).')
@minValue(1)
param maxDeliveryCount int = 5

@description('Peek-lock duration, ISO 8601 (host.json extensions.queues.visibilityTimeout).')
param lockDuration string = 'PT30S'

@description('Duplicate detection window, ISO 8601: Shopify retries a webhook for up to 4 hours.')
param duplicateDetectionWindow string = 'PT4H'

@description('Default message time to live, ISO 8601; expired messages are dead-lettered.')
param messageTimeToLive string = 'P14D'

@description('Queues that need per-key ordering and therefore Service Bus sessions. None for now: ordering is tolerated in the pipeline. Sessions cannot be switched on an existing queue; it must be recreated.')
param sessionQueueNames string[] = []

@description('Memory of each Function App instance, in MB.')
@allowed([
  512
  2048
  4096
])
param functionInstanceMemoryMB int = 2048

@description('Upper bound of Function App instances.')
@minValue(40)
@maxValue(1000)
param functionMaximumInstanceCount int = 100

@description('Storage SKU.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param storageSkuName string = 'Standard_LRS'

@description('Days the Log Analytics workspace keeps logs.')
param logRetentionInDays int = 30

@description('True to accept Application Insights telemetry only with Microsoft Entra authentication.')
param appInsightsDisableLocalAuth bool = false

@description('Open exceptions per owner above which the owner is alerted.')
param openExceptionsThreshold int = 0

@description('Age of the oldest queued message, in seconds, above which queue lag is alerted.')
param queueAgeThresholdSeconds int = 300

@description('Failed request percentage above which the failure rate is alerted.')
param failureRateThresholdPercent int = 5

@description('Tags applied to every resource.')
param tags object = {}

var abbrs = loadJsonContent('abbreviations.json')
var resourceNames = loadJsonContent('resource-names.json')
var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
var allTags = union(tags, { 'azd-env-name': environmentName })
var functionAppName = '${abbrs.webSitesFunctions}retail-${resourceToken}'
var rawArchiveContainerName = 'raw-archive'
var deploymentContainerName = 'app-package-${resourceToken}'
var storageAccountName = '${abbrs.storageStorageAccounts}${resourceToken}'
var serviceBusNamespaceName = '${abbrs.serviceBusNamespaces}retail-${resourceToken}'
var keyVaultName = '${abbrs.keyVaultVaults}${resourceToken}'
var appInsightsName = '${abbrs.insightsComponents}retail-${resourceToken}'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${abbrs.managedIdentityUserAssignedIdentities}retail-${resourceToken}'
  location: location
  tags: allTags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    workspaceName: '${abbrs.operationalInsightsWorkspaces}retail-${resourceToken}'
    appInsightsName: appInsightsName
    location: location
    tags: allTags
    retentionInDays: logRetentionInDays
    disableLocalAuth: appInsightsDisableLocalAuth
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: storageAccountName
    location: location
    tags: allTags
    skuName: storageSkuName
    queueNames: resourceNames.queues
    tableNames: resourceNames.tables
    containerNames: resourceNames.containers
    rawArchiveContainerName: rawArchiveContainerName
    rawArchiveCoolAfterDays: 30
    rawArchiveDeleteAfterDays: 400
    deploymentContainerName: deploymentContainerName
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
  }
}

module serviceBus 'modules/servicebus.bicep' = {
  name: 'servicebus'
  params: {
    name: serviceBusNamespaceName
    location: location
    tags: allTags
    queueNames: resourceNames.queues
    sessionQueueNames: sessionQueueNames
    maxDeliveryCount: maxDeliveryCount
    lockDuration: lockDuration
    duplicateDetectionWindow: duplicateDetectionWindow
    messageTimeToLive: messageTimeToLive
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    name: keyVaultName
    location: location
    tags: allTags
    softDeleteRetentionInDays: 90
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
  }
}

module roleAssignments 'modules/role-assignments.bicep' = {
  name: 'role-assignments'
  params: {
    identityId: identity.id
    principalId: identity.properties.principalId
    storageAccountName: storageAccountName
    serviceBusNamespaceName: serviceBusNamespaceName
    keyVaultName: keyVaultName
    appInsightsName: appInsightsName
  }
  dependsOn: [
    storage
    serviceBus
    keyVault
    monitoring
  ]
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}retail-${resourceToken}'
    location: location
    tags: allTags
    identityId: identity.id
    identityClientId: identity.properties.clientId
    storageAccountName: storage.outputs.name
    storageBlobEndpoint: storage.outputs.blobEndpoint
    storageQueueEndpoint: storage.outputs.queueEndpoint
    storageTableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    serviceBusFullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
    appInsightsConnectionString: monitoring.outputs.appInsightsConnectionString
    keyVaultUri: keyVault.outputs.uri
    shopifyWebhookSecretNames: shopifyWebhookSecretNames
    connectorSecrets: connectorSecrets
    pipelineSettings: pipelineSettings
    entraClientId: entraClientId
    instanceMemoryMB: functionInstanceMemoryMB
    maximumInstanceCount: functionMaximumInstanceCount
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
  }
  // The app reads storage, Service Bus and Key Vault with its identity from its first start.
  dependsOn: [
    roleAssignments
  ]
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: {
    namePrefix: '${abbrs.insightsScheduledQueryRules}retail-${resourceToken}'
    actionGroupName: '${abbrs.insightsActionGroups}retail-${resourceToken}'
    location: location
    tags: allTags
    alertEmail: alertEmail
    appInsightsId: monitoring.outputs.appInsightsId
    serviceBusNamespaceId: serviceBus.outputs.id
    openExceptionsThreshold: openExceptionsThreshold
    queueAgeThresholdSeconds: queueAgeThresholdSeconds
    failureRateThresholdPercent: failureRateThresholdPercent
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_TOKEN string = resourceToken
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output FUNCTION_APP_ENDPOINT string = 'https://${functionApp.outputs.defaultHostName}'
output SHOPIFY_WEBHOOK_URL string = 'https://${functionApp.outputs.defaultHostName}/api/webhooks/shopify'
output POS_TRANSACTIONS_URL string = 'https://${functionApp.outputs.defaultHostName}/api/pos/transactions'
output FUNCTION_APP_SETTING_NAMES string[] = functionApp.outputs.appSettingNames
output AZURE_CLIENT_ID string = identity.properties.clientId
output AZURE_MANAGED_IDENTITY_NAME string = identity.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint
output AZURE_SERVICEBUS_NAMESPACE string = serviceBus.outputs.name
output SERVICEBUS_FULLY_QUALIFIED_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_URI string = keyVault.outputs.uri
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.appInsightsName
output ALERT_RULE_NAMES string[] = alerts.outputs.alertRuleNames
output RESOURCE_NAMES object = resourceNames
