using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace RetailFunctions.EndToEnd.Tests;

/// <summary>
/// The system's headless Chromium and its chromedriver (Debian's chromium and chromium-driver, which eng/test.sh
/// installs), or the paths in RETAILFUNCTIONS_CHROMIUM and RETAILFUNCTIONS_CHROMEDRIVER. Nothing is downloaded.
/// </summary>
public static class Browser
{
    public static string ChromiumPath => Environment.GetEnvironmentVariable("RETAILFUNCTIONS_CHROMIUM") ?? "/usr/bin/chromium";
    public static string DriverPath => Environment.GetEnvironmentVariable("RETAILFUNCTIONS_CHROMEDRIVER") ?? "/usr/bin/chromedriver";

    public static string? MissingMessage =>
        File.Exists(ChromiumPath) && File.Exists(DriverPath) ? null
        : $"browser tests skipped: no Chromium at {ChromiumPath} or no chromedriver at {DriverPath} (eng/test.sh installs " +
          "Debian's chromium and chromium-driver when it runs as root; or set RETAILFUNCTIONS_CHROMIUM and RETAILFUNCTIONS_CHROMEDRIVER)";

    public static ChromeDriver Start()
    {
        // Selenium Manager would otherwise look for a browser or driver online; both are given here.
        Environment.SetEnvironmentVariable("SE_OFFLINE", "true");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(DriverPath)!, Path.GetFileName(DriverPath));
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = ChromiumPath };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1800",
            "--lang=en-US", "--no-first-run", "--disable-extensions");
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(90));
    }

    /// <summary>Waits on a condition in the page, with a generous deadline for a loaded two-core machine.</summary>
    public static T Until<T>(this IWebDriver driver, Func<IWebDriver, T> condition, string what, int timeoutSeconds = 60)
    {
        var wait = new WebDriverWait(driver, TimeSpan.FromSeconds(timeoutSeconds)) { PollingInterval = TimeSpan.FromMilliseconds(200),
            Message = $"waiting for {what}" };
        wait.IgnoreExceptionTypes(typeof(NoSuchElementException), typeof(StaleElementReferenceException));
        return wait.Until(condition);
    }
}

/// <summary>A fact that needs the browser: skipped, with the reason shown, where it is not installed.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (Browser.MissingMessage is { } missing)
            Skip = missing;
    }
}
