//! Devices: flex (default) and ndarray on the CPU, wgpu on a GPU (or Mesa's lavapipe).

use burn::tensor::{Device, DeviceKind, DeviceType};

use crate::error::{Error, Result, named_choices};

/// Which device to train on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceChoice {
    /// Burn's pure-Rust CPU backend.
    #[default]
    Flex,
    /// The (deprecated) ndarray CPU backend.
    Ndarray,
    /// wgpu: Vulkan, Metal, DX12 or WebGPU; a real GPU when present.
    Wgpu,
}

named_choices!(DeviceChoice, "device", { Flex => "flex", Ndarray => "ndarray", Wgpu => "wgpu" });

/// A device, opened, with a description for the records.
#[derive(Debug, Clone)]
pub struct OpenDevice {
    /// Which one was asked for.
    pub choice: DeviceChoice,
    /// The device (without autodiff).
    pub device: Device,
    /// The adapter's name (`llvmpipe (LLVM 15.0.7, 256 bits)`, `NVIDIA H200`, `CPU`).
    pub adapter: String,
}

impl OpenDevice {
    /// "`name` (`adapter`)", what reports say ran.
    pub fn label(&self) -> String {
        format!("{} ({})", self.choice.name(), self.adapter)
    }

    /// The same device with autodiff enabled (for training).
    pub fn autodiff(&self) -> Device {
        self.device.clone().autodiff()
    }
}

/// Opens a device. For wgpu, checks first that an adapter exists.
///
/// # Errors
/// [`Error::Device`] when `wgpu` has no adapter on this machine.
pub fn open(choice: DeviceChoice) -> Result<OpenDevice> {
    match choice {
        DeviceChoice::Flex => Ok(OpenDevice {
            choice,
            device: Device::flex(),
            adapter: "CPU (flex)".into(),
        }),
        DeviceChoice::Ndarray => {
            #[allow(deprecated)]
            let device = Device::ndarray();
            Ok(OpenDevice {
                choice,
                device,
                adapter: "CPU (ndarray)".into(),
            })
        }
        DeviceChoice::Wgpu => {
            let adapters = wgpu_adapters();
            if adapters.is_empty() {
                return Err(Error::Device(
                    "--device wgpu: no wgpu adapter found on this machine (no GPU driver, and no software \
                     Vulkan such as Mesa's lavapipe: `apt-get install mesa-vulkan-drivers`). \
                     Use --device flex or --device ndarray to train on the CPU."
                        .into(),
                ));
            }
            let device = Device::wgpu(DeviceKind::DefaultDevice);
            let adapter = device
                .identity()
                .map(|i| i.name)
                .unwrap_or_else(|| adapters.join(", "));
            Ok(OpenDevice {
                choice,
                device,
                adapter,
            })
        }
    }
}

/// The wgpu adapters of this machine, by name (empty: none). Never panics.
pub fn wgpu_adapters() -> Vec<String> {
    Device::enumerate(DeviceType::Wgpu)
        .into_vec()
        .into_iter()
        .map(|d| format!("{d:?}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::assert_error_mentions;

    #[test]
    fn names_round_trip_and_typos_suggest() {
        for n in DeviceChoice::NAMES {
            assert_eq!(DeviceChoice::from_name(n).unwrap().name(), n);
        }
        assert_error_mentions(
            DeviceChoice::from_name("wgpuu"),
            &["did you mean `wgpu`", "flex, ndarray, wgpu"],
        );
    }
}
